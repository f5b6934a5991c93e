import pytest

from server.enterprises.credit_code import check_character, is_valid_credit_code, make_credit_code


def test_standard_example_is_valid():
    assert is_valid_credit_code("91350100M000100Y43")  # the example printed in GB 32100-2015


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y44", "91350100M000100Y4", "91350100M000100Y43X", "91350100I000100Y43", "", None],
)
def test_invalid_codes(code):
    assert not is_valid_credit_code(code)


def test_lower_case_is_accepted():
    assert is_valid_credit_code("91350100m000100y43")


def test_made_codes_validate():
    code = make_credit_code("440305", "MA5F3K7W")
    assert len(code) == 18 and code.startswith("91440305MA5F3K7W")
    assert is_valid_credit_code(code)


def test_check_character_rejects_bad_input():
    with pytest.raises(ValueError):
        check_character("123")
    with pytest.raises(ValueError):
        check_character("9135010OM000100Y4")  # letter O is not in the alphabet
