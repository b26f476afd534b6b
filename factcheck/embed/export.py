"""Exporting the packaged model to ONNX int8 (``export_onnx()``, run by ``scripts/export_onnx.py`` at install
time, or on first use when torch is installed), checked against the torch model before it is installed."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from factcheck.config import EmbeddingSettings
from factcheck.embed.environment import (
    MAX_TOKENS,
    ONNX_NAME,
    failure_path,
    manifest_path,
    onnx_dir,
    onnx_model_path,
    package_version,
    packaged_model_path,
    work_offline,
)
from factcheck.embed.onnx_session import OnnxSession
from factcheck.embed.torch_backend import quiet_transformers
from factcheck.errors import FactcheckError

log = logging.getLogger(__name__)
KEEP_FP32 = re.compile(r"/layer\.[234]/intermediate/dense/MatMul$")
MIN_AGREEMENT = 0.98  # an export whose embeddings fall below this cosine to the torch model's is not installed

# Texts the export is checked on when no others are given: short and long, numbers, names, odd punctuation.
CHECK_TEXTS = (
    "Leaders have taken effective action to improve attendance.",
    "Not all pupils attend regularly.",
    "The trust's chief executive said the results were 'a testament to our staff'.",
    "In 2021, 47% of children (n = 1,204) were seen within 20 working days; the target is 90%.",
    "However, some leaders do not yet check the impact of their actions well enough.",
    "Inspectors found no evidence of unsafe practice.",
    "Café owners in Zürich reported a 3.5-fold increase in footfall — unexpectedly.",
    (
        "Risk assessments are completed, but they are not always reviewed when circumstances change, and staff "
        "are unclear about who is responsible for updating them across the different sites of the trust."
    ),
    "OK.",
    "Soil organic carbon stocks were higher under shade trees than in full-sun coffee plots at 0-30 cm depth.",
    (
        "The department did not have adequate controls to verify applicants' eligibility for insurance "
        "affordability programs."
    ),
    " ".join(["The council will review its safeguarding arrangements every quarter."] * 30),  # past 256 tokens
)


@dataclass
class ExportResult:
    path: Path
    created: bool  # False: the file was already there and nothing was done
    agreement_min: float | None = None  # cosine between the ONNX and the torch embeddings of the check texts
    agreement_mean: float | None = None
    sha256: str = ""


@contextlib.contextmanager
def _export_lock(folder: Path) -> Iterator[None]:
    """One export at a time across processes (batch workers may all start cold)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".export.lock", "w") as handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:  # not POSIX: no lock, the atomic rename still keeps the file whole
            pass
        yield


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export_onnx(
    check_texts: Sequence[str] = CHECK_TEXTS,
    settings: EmbeddingSettings | None = None,
    force: bool = False,
) -> ExportResult:
    """Export the packaged model to ONNX, quantise it to int8 (dynamic, per channel, MatMul only) and copy its
    tokenizer, into the cache folder. Local files only; needs torch, sentence-transformers, onnx and
    onnxruntime. Does nothing when the file exists (unless `force`). The export is checked against the torch
    model on `check_texts`: below MIN_AGREEMENT cosine it is not installed (FactcheckError)."""
    settings = settings or EmbeddingSettings()
    target = onnx_model_path()
    folder = target.parent
    with _export_lock(folder):
        if target.exists() and not force:
            return ExportResult(target, created=False)
        try:
            result = _export(target, check_texts, settings)
        except Exception as e:
            with contextlib.suppress(OSError):
                failure_path().write_text(f"{type(e).__name__}: {e}\n", encoding="utf-8")
            raise
        with contextlib.suppress(OSError):
            failure_path().unlink(missing_ok=True)
        return result


def _export(target: Path, check_texts: Sequence[str], settings: EmbeddingSettings) -> ExportResult:
    """The export itself (see export_onnx); the caller holds the lock."""
    folder = target.parent
    work_offline()
    source = packaged_model_path()
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    quiet_transformers()
    torch.manual_seed(0)
    reference: Any = SentenceTransformer(source, device="cpu", model_kwargs={"attn_implementation": "eager"})
    transformer = reference[0].auto_model.eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = torch.ones((2, 16), dtype=torch.long)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".export-") as tmp:
        fp32 = Path(tmp) / "model-fp32.onnx"
        int8 = Path(tmp) / ONNX_NAME
        with torch.no_grad(), warnings_silenced():
            torch.onnx.export(
                LastHidden(transformer),
                (example, torch.ones_like(example), torch.zeros_like(example)),
                str(fp32),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                opset_version=17,
                do_constant_folding=True,
                dynamo=False,
            )
        kept = _kept_in_fp32(fp32)
        with warnings_silenced():
            quantize_dynamic(
                str(fp32),
                str(int8),
                per_channel=True,
                op_types_to_quantize=["MatMul"],
                weight_type=QuantType.QInt8,
                nodes_to_exclude=kept,
            )
        tokenizer = Path(tmp) / "tokenizer.json"
        shutil.copyfile(Path(source) / "tokenizer.json", tokenizer)

        texts = list(check_texts)
        cosines = _agreement(OnnxSession(int8, tokenizer), reference, texts, settings)
        low, mean = float(cosines.min()), float(cosines.mean())
        if low < MIN_AGREEMENT:
            raise FactcheckError(
                f"the ONNX export disagrees with the torch model (cosine {low:.4f} < {MIN_AGREEMENT}); not installed"
            )
        digest = _sha256(int8)
        manifest = {
            "model": settings.model,
            "package": settings.package,
            "package_version": package_version(settings),
            "sha256": digest,
            "max_tokens": MAX_TOKENS,
            "quantisation": "dynamic int8 (onnxruntime quantize_dynamic), per channel, MatMul only",
        "kept_in_float32": kept,
            "agreement_min": round(low, 5),
            "agreement_mean": round(mean, 5),
            "check_texts": len(texts),
            "torch": torch.__version__,
        }
        os.replace(tokenizer, folder / "tokenizer.json")
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(Path(tmp) / "manifest.json", manifest_path())
        os.replace(int8, target)  # last: the model file exists only once everything beside it does
    log.info("exported %s (sha256 %s, cosine to torch min %.4f mean %.4f)", target, digest[:12], low, mean)
    return ExportResult(target, created=True, agreement_min=low, agreement_mean=mean, sha256=digest)


def _kept_in_fp32(model: Path) -> list[str]:
    """MatMul nodes left unquantised: the first feed-forward projection of layers 2-4. Measured on this
    project's 50 check sentences (scripts/export_onnx.py), quantising all 36 weight MatMuls gives a minimum
    cosine of 0.968 to the torch model (on a one-word text); keeping these three in float32 gives 0.983 for about
    8% more encoding time. No single node dominates the error; these three help most."""
    import onnx

    graph = onnx.load(str(model), load_external_data=False).graph
    return sorted(n.name for n in graph.node if n.op_type == "MatMul" and KEEP_FP32.search(n.name))


def _agreement(session: OnnxSession, reference: Any, texts: list[str], settings: EmbeddingSettings) -> np.ndarray:
    ours = session.encode(texts)
    theirs = reference.encode(texts, batch_size=settings.batch_size, normalize_embeddings=True)
    cosines: np.ndarray = (ours * np.asarray(theirs, dtype=np.float32)).sum(axis=1)
    return cosines


def verify_onnx(texts: Sequence[str], settings: EmbeddingSettings | None = None) -> np.ndarray:
    """Cosine between the exported model's embedding of each text and the torch model's (needs torch)."""
    settings = settings or EmbeddingSettings()
    work_offline()
    from sentence_transformers import SentenceTransformer

    quiet_transformers()
    reference = SentenceTransformer(packaged_model_path(), device="cpu")
    session = OnnxSession(onnx_model_path(), onnx_dir() / "tokenizer.json")
    return _agreement(session, reference, list(texts), settings)


def export_manifest() -> dict[str, Any]:
    """What export_onnx() recorded beside the file (empty when there is none)."""
    try:
        return dict(json.loads(manifest_path().read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


@contextlib.contextmanager
def warnings_silenced() -> Iterator[None]:
    """No warnings from the libraries the export runs: neither Python warnings nor what onnxruntime's quantiser
    logs on the root logger (through logging.warning, which would also give the root logger a handler that
    prints every later record of the process)."""
    import warnings

    root = logging.getLogger()
    quiet, level = logging.NullHandler(), root.level
    root.addHandler(quiet)  # a root with a handler: logging.warning() does not call basicConfig()
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeHandler(quiet)
        root.setLevel(level)
