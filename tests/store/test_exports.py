from store.exports import neutralise_cell, neutralise_row


def test_formula_like_text_is_neutralised_and_other_values_pass():
    assert neutralise_row(["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\t=1", "正常文本", "a=b", 5, None]) == [
        "'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\t=1", "正常文本", "a=b", 5, None]
    assert neutralise_cell(-3) == -3
