from onestop.core.text import normalise, tokenize, tokenize_for_search


def test_tokenize_cuts_chinese_into_words_and_drops_function_words():
    assert tokenize("孩子刚出生要办什么") == ["孩子", "刚出生"]


def test_tokenize_for_search_adds_the_sub_words_of_long_words():
    assert tokenize_for_search("孩子刚出生要办什么") == ["孩子", "出生", "刚出生"]
    assert tokenize_for_search("残疾人补贴") == ["残疾", "残疾人", "补贴"]


def test_latin_is_lowercased_stopwords_dropped_and_plurals_folded():
    assert tokenize("How do I open a Restaurant?") == ["open", "restaurant"]
    assert tokenize_for_search("Business Licences for Companies") == [
        "business",
        "licence",
        "company",
    ]


def test_punctuation_and_whitespace_are_dropped():
    assert tokenize("出生登记（户口登记）！、。 ,;") == ["出生", "登记", "户口", "登记"]


def test_full_width_characters_are_normalised():
    assert tokenize("ＩＤ　Card") == ["id", "card"]


def test_control_characters_are_removed():
    assert normalise("a\x00b\x1fc\u200bd") == "a b c d"
    assert tokenize("社保卡\x00丢了") == ["社保卡", "丢"]


def test_mixed_chinese_and_english():
    assert tokenize("我要办 business licence") == ["business", "licence"]


def test_single_latin_letters_are_dropped():
    assert tokenize("e-licence don't") == ["licence", "don"]


def test_empty_text_has_no_tokens():
    assert tokenize("") == []
    assert tokenize_for_search("") == []
    assert tokenize("？！。") == []
