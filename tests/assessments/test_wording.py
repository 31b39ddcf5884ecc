"""Validation of clinic-uploaded licensed item wording (pure: no database)."""

import json

from assessments.scoring import get_instrument
from assessments.wording import MAX_UPLOAD_BYTES, validate_wording, wording_format


def ecrs():
    return get_instrument("ecrs")


def full_json(**extra) -> str:
    data = {str(n): f"Statement number {n}" for n in range(1, 13)}
    data.update(extra)
    return json.dumps(data)


def full_csv(header: bool = True) -> str:
    rows = ["item,text"] if header else []
    rows += [f'{n},"Statement, number {n}"' for n in range(1, 13)]
    return "\r\n".join(rows) + "\r\n"


def test_complete_json_upload_is_parsed_in_item_order():
    check = validate_wording(ecrs(), full_json(), "json")
    assert check.ok and check.errors == ()
    assert list(check.wording.items) == list(range(1, 13))
    assert check.wording.items[12] == "Statement number 12"
    assert (check.wording.instrument, check.wording.version) == ("ecrs", 1)


def test_json_upload_may_carry_instructions():
    check = validate_wording(ecrs(), full_json(instructions="  Read each statement.  "), "json")
    assert check.wording.instructions == "Read each statement."


def test_complete_csv_upload_with_header_and_quoted_commas():
    check = validate_wording(ecrs(), full_csv(), "csv")
    assert check.ok
    assert check.wording.items[3] == "Statement, number 3"


def test_csv_without_header_and_with_a_utf8_bom():
    content = "\ufeff" + full_csv(header=False)
    assert validate_wording(ecrs(), content.encode("utf-8"), "csv").ok


def test_csv_trailing_empty_columns_from_spreadsheets_are_ignored():
    content = full_csv().replace("\r\n", ",,\r\n")
    assert validate_wording(ecrs(), content, "csv").ok


def test_missing_items_are_listed_as_ranges():
    data = json.loads(full_json())
    for n in ("3", "4", "5", "9"):
        del data[n]
    check = validate_wording(ecrs(), json.dumps(data), "json")
    assert not check.ok
    assert check.errors == ("missing text for items 3-5, 9",)


def test_unknown_item_is_refused():
    check = validate_wording(ecrs(), full_json(**{"13": "Extra"}), "json")
    assert check.errors == ("key '13': ECR-S (v1) has no item 13 (items 1-12)",)


def test_non_numeric_key_is_refused():
    check = validate_wording(ecrs(), full_json(first="x"), "json")
    assert check.errors == ("key 'first': 'first' is not an item number (1-12) or 'instructions'",)


def test_duplicate_csv_row_is_refused_with_its_row_number():
    content = full_csv() + '4,"Again"\r\n'
    check = validate_wording(ecrs(), content, "csv")
    assert check.errors == ("row 14: item 4 is given twice",)


def test_duplicate_json_key_is_refused():
    content = full_json()[:-1] + ', "4": "Again"}'
    assert "key '4': given twice" in validate_wording(ecrs(), content, "json").errors


def test_blank_text_is_refused():
    check = validate_wording(ecrs(), full_json(**{"2": "   "}), "json")
    assert check.errors == ("key '2': the text is blank",)


def test_non_string_text_is_refused():
    check = validate_wording(ecrs(), full_json(**{"2": 7}), "json")
    assert check.errors == ("key '2': the text must be a string",)


def test_overlong_text_is_refused():
    check = validate_wording(ecrs(), full_json(**{"2": "x" * 1001}), "json")
    assert check.errors == ("key '2': the text is longer than 1000 characters",)


def test_invisible_formatting_characters_are_refused():
    check = validate_wording(ecrs(), full_json(**{"2": "I worry \u202eabout"}), "json")
    assert check.errors == (
        "key '2': the text contains control or invisible formatting characters",
    )


def test_zero_width_non_joiner_is_allowed_for_scripts_that_need_it():
    assert validate_wording(
        ecrs(), full_json(**{"2": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0645"}), "json"
    ).ok


def test_every_error_is_reported_at_once():
    check = validate_wording(ecrs(), full_json(**{"2": "", "14": "x"}), "json")
    assert len(check.errors) == 2


def test_invalid_json_is_reported_with_its_position():
    check = validate_wording(ecrs(), '{"1": "a",', "json")
    assert check.errors[0].startswith("not valid JSON:")
    assert "line 1" in check.errors[0]


def test_json_that_is_not_an_object_is_refused():
    check = validate_wording(ecrs(), '["a", "b"]', "json")
    assert check.errors == ('the JSON must be one object: {"1": "text of item 1", ...}',)


def test_csv_cell_after_the_text_that_is_not_an_anchor_is_refused():
    content = full_csv().replace('1,"Statement, number 1"', '1,"Statement, number 1",b')
    check = validate_wording(ecrs(), content, "csv")
    assert check.errors == ("row 2: item 1: anchor 'b' is not value=label",)


# --- response anchors and item order (CSI-16: descending semantic differentials) ----------


def csi16():
    return get_instrument("csi16")


def csi_rows(anchors=None, skip_anchors_for=()):
    rows = ["item,text"]
    for n in range(1, 17):
        top = 6 if n == 1 else 5
        cells = anchors(n, top) if anchors else [f"{v}=" for v in range(top, -1, -1)]
        if not anchors:
            cells[0], cells[-1] = f"{top}=Pole A {n}", f"0=Pole B {n}"
        if n in skip_anchors_for:
            cells = []
        rows.append(",".join([str(n), f"Item text {n}", *cells]))
    return "\r\n".join(rows) + "\r\n"


def test_csi16_upload_keeps_each_items_anchors_in_their_descending_order():
    check = validate_wording(csi16(), csi_rows(), "csv")
    assert check.ok, check.errors
    assert check.wording.anchors[1] == (
        (6, "Pole A 1"),
        (5, ""),
        (4, ""),
        (3, ""),
        (2, ""),
        (1, ""),
        (0, "Pole B 1"),
    )
    assert [v for v, _ in check.wording.anchors[9]] == [5, 4, 3, 2, 1, 0]


def test_csi16_item_without_anchors_is_refused_with_the_reason():
    check = validate_wording(csi16(), csi_rows(skip_anchors_for=(4,)), "csv")
    assert check.errors == (
        "row 5: item 4 needs its response anchors (CSI-16 prints words, not bare numbers, at "
        "its 0-5 options): give one value=label per option",
    )


def test_anchors_off_the_items_scale_are_refused():
    # item 1 is 0-6; anchors for 0-5 only
    check = validate_wording(
        csi16(),
        csi_rows(anchors=lambda n, top: [f"{v}=Label {v}" for v in range(5, -1, -1)]),
        "csv",
    )
    assert check.errors == (
        "row 2: item 1: anchors give values 5, 4, 3, 2, 1, 0; its scale is 0, 1, 2, 3, 4, 5, 6 "
        "(each once)",
    )


def test_shuffled_anchors_are_refused():
    def shuffled(n, top):
        values = list(range(top, -1, -1))
        values[1], values[2] = values[2], values[1]
        return [f"{v}=L{v}" for v in values]

    check = validate_wording(csi16(), csi_rows(anchors=shuffled), "csv")
    assert "row 2: item 1: anchors must run in ascending or descending order of value" in (
        check.errors
    )


def test_items_out_of_the_instruments_order_are_refused():
    lines = full_csv().split("\r\n")
    lines[3], lines[4] = lines[4], lines[3]  # item 3 after item 4
    check = validate_wording(ecrs(), "\r\n".join(lines), "csv")
    assert check.errors[0] == (
        "row 5: item 3 comes after item 4; list the items in the instrument's order (1-12)"
    )


def test_json_items_may_carry_anchors():
    data = {str(n): f"Statement {n}" for n in range(1, 13)}
    data["1"] = {
        "text": "Statement 1",
        "anchors": [{"value": v, "label": f"L{v}"} for v in range(1, 8)],
    }
    check = validate_wording(ecrs(), json.dumps(data), "json")
    assert check.ok
    assert check.wording.anchors[1][0] == (1, "L1")


def test_non_utf8_file_is_refused():
    check = validate_wording(ecrs(), "1,caf\u00e9".encode("latin-1"), "csv")
    assert check.errors == ("the file is not UTF-8 text (first bad byte at position 6)",)


def test_oversized_file_is_refused():
    check = validate_wording(ecrs(), b"x" * (MAX_UPLOAD_BYTES + 1), "csv")
    assert check.errors == ("the file is larger than 256 KB",)


def test_empty_csv_is_refused():
    assert validate_wording(ecrs(), "item,text\r\n", "csv").errors == ("the file holds no rows",)


def test_instruments_with_shipped_wording_refuse_uploads():
    check = validate_wording(get_instrument("phq9"), full_json(), "json")
    assert check.errors == (
        "PHQ-9 (v1) ships its published wording; uploads are for licensed instruments only",
    )


def test_wording_is_checked_against_the_instruments_own_item_count():
    data = {str(n): f"Statement {n}" for n in range(1, 37)}
    assert validate_wording(get_instrument("ecrr"), json.dumps(data), "json").ok
    assert not validate_wording(ecrs(), json.dumps(data), "json").ok


def test_format_follows_the_file_name():
    assert (wording_format("ECR-S.JSON"), wording_format("items.csv")) == ("json", "csv")
    assert wording_format("items.xlsx") is None
