"""Unit names: one unit, many spellings → one canonical name."""
from analysis.routing.unitnames import UnitNameNormaliser, clean_unit_name, split_units


def test_abbreviations_expand_to_the_official_long_form():
    assert clean_unit_name("青山市住建局") == "青山市住房和城乡建设局"
    assert clean_unit_name("青山市人社局") == "青山市人力资源和社会保障局"
    assert clean_unit_name("溪口县政府办") == "溪口县人民政府办公室"
    assert clean_unit_name("溪口县政府办公室") == "溪口县人民政府办公室"
    assert clean_unit_name("溪口县人民政府办公室") == "溪口县人民政府办公室"  # already long: unchanged
    assert clean_unit_name("溪口县政府") == "溪口县人民政府"


def test_widths_spaces_and_several_units_in_one_cell():
    assert split_units("市城管局 市交警支队") == ["市城管局", "市交警支队"]
    assert split_units("市城管局、市文旅局") == ["市城管局", "市文旅局"]
    assert clean_unit_name("  青山市城管局 青山市交警支队") == "青山市城市管理局"
    assert clean_unit_name("青山市（本级）民政局") == "青山市民政局"
    assert clean_unit_name(None) == "" and clean_unit_name("  ") == ""


def test_city_completes_short_names():
    assert clean_unit_name("市住建局", city="青山") == "青山市住房和城乡建设局"
    assert clean_unit_name("政府办", city="青山") == "青山市人民政府办公室"
    assert clean_unit_name("青河市民政局", city="青山") == "青山市民政局"  # the city misspelt by one character


def test_normaliser_learns_city_and_merges_spellings():
    names = (["青山市卫生健康委员会"] * 5 + ["青山市卫生健康委委员会", "市卫健委"]
             + ["青山市民政局"] * 3 + ["青山市财政局"] * 2 + ["溪口县人民政府办公室"] * 2 + ["溪口县人民政府办公室心"])
    normaliser = UnitNameNormaliser().fit(names)
    assert normaliser.city_ == "青山"
    canonical = set(normaliser.transform(names))
    assert canonical == {"青山市卫生健康委员会", "青山市民政局", "青山市财政局", "溪口县人民政府办公室"}


def test_one_replaced_character_is_a_different_unit():
    normaliser = UnitNameNormaliser().fit(["溪口县人民政府"] * 3 + ["溪东县人民政府"])
    assert normaliser.normalise("溪东县人民政府") == "溪东县人民政府"


def test_no_dominant_city_means_no_completion():
    normaliser = UnitNameNormaliser().fit(["青山市民政局", "白水市民政局", "市民政局"])
    assert normaliser.city_ == ""
    assert normaliser.normalise("市民政局") == "市民政局"


def test_unfitted_normaliser_says_so():
    import pytest

    with pytest.raises(RuntimeError, match="not fitted"):
        UnitNameNormaliser().normalise("市民政局")


def test_a_government_and_its_office_are_one_unit():
    from analysis.routing.unitnames import government_unit

    assert government_unit("溪口县人民政府办公室") == "溪口县人民政府"
    assert government_unit("溪口县") == "溪口县人民政府"  # a bare county in the reply column
    assert government_unit("青山市人民政府") == "青山市人民政府"
    assert government_unit("溪口县住房和城乡建设局") == "溪口县住房和城乡建设局"  # a bureau stays itself


def test_places_a_unit_is_named_after():
    from analysis.routing.unitnames import places_of_unit

    assert places_of_unit("溪口县人民政府") == ["溪口县", "溪口"]
    assert places_of_unit("青山市柳岸区东园街道办事处", city="青山") == ["柳岸区", "柳岸", "东园街道", "东园"]
    assert places_of_unit("青山市民政局", city="青山") == []


def test_hierarchy_merges_offices_and_renamed_offices():
    names = (["青山市政务信息办公室"] * 4 + ["青山市信息中心"] * 2 + ["溪口县人民政府办公室"] * 3 + ["溪口县"]
             + ["青山市民政局"] * 2)
    normaliser = UnitNameNormaliser(hierarchy=True).fit(names)
    # 政务信息办公室 / 信息中心 differ only by the words renamed offices drop: one unit, its most frequent name
    assert set(normaliser.transform(names)) == {"青山市政务信息办公室", "溪口县人民政府", "青山市民政局"}
    assert set(UnitNameNormaliser().fit_transform(names)) >= {"青山市信息中心", "溪口县"}  # without: apart
