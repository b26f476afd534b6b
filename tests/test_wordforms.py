

def test_a_reversing_prefix_makes_another_word():
    from factcheck.text.wordforms import reverses, same_word

    assert reverses("inadequate", "adequate") and reverses("Unsafe", "safe") and reverses("misleading", "leading")
    assert not reverses("organisation", "organization") and not reverses("in", "n")
    assert not same_word("inadequate", "adequate", 85) and same_word("organisation", "organization", 85)
