"""Loading and validating instrument definition files (pure: no database)."""

import copy
import json
from pathlib import Path

import pytest

from assessments.definitions import DefinitionError, load_definition
from assessments.scoring import (
    INSTRUMENTS_DIR,
    UnknownInstrument,
    get_instrument,
    list_instruments,
    load_library,
)

SHIPPED = ["bpqsf", "csi16", "csi4", "ders16", "ecrr", "ecrs", "gad7", "pcl5", "phq9"]


def shipped_data(code: str) -> dict:
    return json.loads((INSTRUMENTS_DIR / f"{code}-1.json").read_text(encoding="utf-8"))


def write_definition(directory: Path, data: dict, name: str | None = None) -> Path:
    path = directory / (name or f"{data['code']}-{data['version']}.json")
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def load_broken(tmp_path: Path, code: str, mutate) -> DefinitionError:
    data = copy.deepcopy(shipped_data(code))
    mutate(data)
    path = write_definition(tmp_path, data)
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    return caught.value


# --- the shipped library --------------------------------------------------------------------


def test_library_ships_the_nine_instruments():
    assert [i.code for i in list_instruments()] == SHIPPED


def test_load_library_is_cached():
    assert load_library() is load_library()


def test_get_instrument_without_version_returns_latest():
    assert get_instrument("phq9").version == 1
    assert get_instrument("phq9", 1) is get_instrument("phq9")


def test_unknown_code_raises_unknown_instrument_naming_known_codes():
    with pytest.raises(UnknownInstrument, match="known: bpqsf"):
        get_instrument("beck")


def test_unknown_version_raises_unknown_instrument_listing_versions():
    with pytest.raises(UnknownInstrument, match="phq9 has no version 7 \\(versions: 1\\)"):
        get_instrument("phq9", 7)


def test_unknown_instrument_is_a_key_error():
    with pytest.raises(KeyError):
        get_instrument("beck")


def test_library_directory_with_a_newer_version_serves_it_as_latest(tmp_path):
    write_definition(tmp_path, shipped_data("gad7"))
    newer = shipped_data("gad7")
    newer["version"] = 2
    write_definition(tmp_path, newer)
    library = load_library(tmp_path)
    assert library.get("gad7").version == 2
    assert library.get("gad7", 1).version == 1


def test_only_public_wording_is_shipped():
    shipped = {i.code for i in list_instruments() if i.licence.wording_shipped}
    assert shipped == {"phq9", "gad7", "pcl5"}


def test_placeholder_items_display_as_item_n():
    item = get_instrument("ecrr").item(7)
    assert item.text is None
    assert item.display_text == "Item 7"


def test_pfizer_forms_keep_their_copyright_line():
    for code in ("phq9", "gad7"):
        assert "Pfizer Inc" in get_instrument(code).licence.copyright


def test_phq9_item_wording_is_the_published_text():
    phq9 = get_instrument("phq9")
    assert phq9.item(1).text == "Little interest or pleasure in doing things"
    assert phq9.item(9).text.startswith("Thoughts that you would be better off dead")


def test_phq9_item_10_is_recorded_but_not_scored():
    item = get_instrument("phq9").item(10)
    assert (item.scored, item.optional) == (False, True)
    assert 10 not in get_instrument("phq9").total.items


def test_phq9_loinc_codes_match_instruments_md():
    phq9 = get_instrument("phq9")
    assert (phq9.loinc_panel, phq9.loinc_total) == ("44249-1", "44261-6")
    assert [phq9.item(n).loinc for n in range(1, 10)] == [
        "44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
        "44258-2", "44252-5", "44253-3", "44260-8",
    ]  # fmt: skip
    assert [o.loinc for o in phq9.item(1).scale.options] == [
        "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9",
    ]  # fmt: skip


def test_gad7_panel_code_is_not_used_for_an_item():
    gad7 = get_instrument("gad7")
    assert gad7.loinc_panel == "69737-5"
    assert "69737-5" not in {item.loinc for item in gad7.items}
    assert gad7.item(7).loinc == "69736-7"


def test_no_shipped_scale_has_norms():
    assert all(not scale.norms for i in list_instruments() for scale in i.scales)


def test_unverified_reliability_is_left_unset():
    for code in ("ders16", "ecrr", "bpqsf", "csi16", "csi4"):
        for scale in get_instrument(code).scales:
            assert scale.reliability.method == "none"
            assert scale.reliability.sd is None


def test_fixed_thresholds_are_marked_as_instruments_md_tags_them():
    phq9 = get_instrument("phq9").total.reliability.fixed_threshold
    gad7 = get_instrument("gad7").total.reliability.fixed_threshold
    pcl5 = get_instrument("pcl5").total.reliability.fixed_threshold
    assert (phq9.value, phq9.verified) == (6, False)  # [U]
    assert (gad7.value, gad7.verified) == (4, False)  # [U]
    assert (pcl5.value, pcl5.verified) == (10, True)  # [V]


def test_csi4_distress_cutoff_is_marked_unverified():
    cutoff = get_instrument("csi4").total.cutoff
    assert (cutoff.value, cutoff.comparison, cutoff.verified) == (13.5, "<", False)


def test_csi_is_scored_higher_is_better():
    assert get_instrument("csi16").total.direction == "higher_is_better"
    assert get_instrument("csi16").total.cutoff.value == 51.5


def test_only_pcl5_carries_a_grounding_note():
    noted = {i.code for i in list_instruments() if i.grounding_note}
    assert noted == {"pcl5"}


def test_ecr_instruments_have_no_total():
    assert get_instrument("ecrr").total is None
    assert get_instrument("ecrs").total is None


def test_ecrr_reverse_keys_match_the_publication():
    reverse = get_instrument("ecrr").reverse_keyed
    assert sorted(reverse.items) == [9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36]
    assert reverse.constant == 8


def test_bpq_item_41_counts_in_both_reactivity_subscales():
    bpq = get_instrument("bpqsf")
    assert 41 in bpq.scale("supradiaphragmatic").items
    assert 41 in bpq.scale("subdiaphragmatic").items


def test_unknown_scale_id_names_the_known_ones():
    with pytest.raises(KeyError, match="known: total, clarity"):
        get_instrument("ders16").scale("clearness")


# --- malformed definitions -------------------------------------------------------------------


def test_invalid_json_names_the_file(tmp_path):
    path = tmp_path / "phq9-1.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"^phq9-1\.json: \$: not valid JSON"):
        load_definition(path)


def test_missing_required_field_names_file_and_json_path(tmp_path):
    error = load_broken(tmp_path, "phq9", lambda d: d["items"][3].pop("scale"))
    assert error.file == "phq9-1.json"
    assert error.path == "$.items[3]"
    assert "'scale' is a required property" in str(error)
    assert str(error).startswith("phq9-1.json: $.items[3]: ")


def test_wrong_type_names_the_nested_field(tmp_path):
    def mutate(d):
        d["total"]["bands"]["ranges"][2]["label"] = 3

    error = load_broken(tmp_path, "phq9", mutate)
    assert error.path == "$.total.bands.ranges[2].label"


def test_unknown_field_is_refused(tmp_path):
    error = load_broken(tmp_path, "gad7", lambda d: d.update(cutoff=10))
    assert error.path == "$"
    assert "'cutoff' was unexpected" in error.reason


def test_subscale_naming_a_missing_item_is_refused(tmp_path):
    error = load_broken(tmp_path, "ders16", lambda d: d["subscales"][1]["items"].append(17))
    assert error.path == "$.subscales[1].items[3]"
    assert "item 17 does not exist" in error.reason


def test_reverse_keyed_item_must_exist(tmp_path):
    error = load_broken(tmp_path, "ecrs", lambda d: d["reverse_keyed"]["items"].append(13))
    assert error.path == "$.reverse_keyed.items[4]"


def test_reverse_formula_must_map_the_scale_onto_itself(tmp_path):
    error = load_broken(tmp_path, "ecrs", lambda d: d["reverse_keyed"].update(formula="7 - value"))
    assert error.path == "$.reverse_keyed.items[0]"
    assert "does not map item 1's values" in error.reason


def test_band_gap_is_refused(tmp_path):
    error = load_broken(tmp_path, "phq9", lambda d: d["total"]["bands"]["ranges"][2].update(min=11))
    assert error.path == "$.total.bands.ranges[2].min"
    assert "gap between 9 and 11" in error.reason


def test_band_overlap_is_refused(tmp_path):
    error = load_broken(tmp_path, "gad7", lambda d: d["total"]["bands"]["ranges"][1].update(min=4))
    assert error.path == "$.total.bands.ranges[1].min"
    assert "overlaps" in error.reason


def test_bands_must_reach_the_top_of_the_range(tmp_path):
    error = load_broken(tmp_path, "phq9", lambda d: d["total"]["bands"]["ranges"][4].update(max=26))
    assert error.path == "$.total.bands.ranges[4].max"


def test_declared_range_must_match_the_items(tmp_path):
    error = load_broken(tmp_path, "ders16", lambda d: d["subscales"][0]["range"].update(max=12))
    assert error.path == "$.subscales[0].range"
    assert "2-10" in error.reason


def test_risk_item_must_exist(tmp_path):
    error = load_broken(tmp_path, "phq9", lambda d: d["risk_items"][0].update(item=12))
    assert error.path == "$.risk_items[0].item"


def test_risk_threshold_must_lie_on_the_item_scale(tmp_path):
    error = load_broken(tmp_path, "phq9", lambda d: d["risk_items"][0].update(min_value=4))
    assert error.path == "$.risk_items[0].min_value"


def test_scored_item_outside_every_scale_is_refused(tmp_path):
    def mutate(d):
        d["total"]["items"].remove(7)
        d["total"]["range"]["max"] = 18
        d["total"]["bands"]["ranges"][3]["max"] = 18

    error = load_broken(tmp_path, "gad7", mutate)
    assert error.path == "$.items[6].scored"


def test_placeholder_instrument_cannot_ship_item_text(tmp_path):
    error = load_broken(tmp_path, "ecrs", lambda d: d["items"][4].update(text="Some wording"))
    assert error.path == "$.items[4].text"
    assert "wording_shipped is false" in error.reason


def test_items_must_be_numbered_in_published_order(tmp_path):
    error = load_broken(tmp_path, "gad7", lambda d: d["items"][2].update(number=4))
    assert error.path == "$.items[2].number"


def test_jacobson_truax_without_sd_is_refused(tmp_path):
    error = load_broken(
        tmp_path, "phq9", lambda d: d["total"]["reliability"].update(method="jacobson_truax")
    )
    assert error.path == "$.total.reliability.method"


def test_reliability_r_must_be_below_one(tmp_path):
    error = load_broken(
        tmp_path, "pcl5", lambda d: d["total"]["reliability"]["r"].update(value=1.2)
    )
    assert error.path.startswith("$.total.reliability.r")


def test_cluster_rule_items_must_exist(tmp_path):
    error = load_broken(
        tmp_path, "pcl5", lambda d: d["cluster_rule"]["clusters"][1]["items"].append(21)
    )
    assert error.path == "$.cluster_rule.clusters[1].items[2]"


def test_duplicate_key_is_refused(tmp_path):
    path = tmp_path / "gad7-1.json"
    text = json.dumps(shipped_data("gad7"))
    path.write_text(text.replace('"version": 1,', '"version": 1, "version": 1,', 1), "utf-8")
    with pytest.raises(DefinitionError, match="duplicate key 'version'"):
        load_definition(path)


def test_file_name_must_match_code_and_version(tmp_path):
    path = write_definition(tmp_path, shipped_data("gad7"), name="gad7-2.json")
    with pytest.raises(DefinitionError, match=r"^gad7-2\.json: \$\.code: file name must be"):
        load_definition(path)


def test_load_library_reports_the_broken_file(tmp_path):
    write_definition(tmp_path, shipped_data("phq9"))
    broken = shipped_data("gad7")
    broken["subscales"] = [{"id": "x"}]
    write_definition(tmp_path, broken)
    with pytest.raises(DefinitionError, match=r"^gad7-1\.json: \$\.subscales\[0\]"):
        load_library(tmp_path)
