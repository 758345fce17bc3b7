"""The counting rules: worked examples, then property tests against a reference count.

The reference functions at the bottom are written separately on purpose (plain loops, a
different way of deciding who is elected) and share no code with voting.tally.rules.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.tally.rules import (
    EvaluationRules,
    ForAgainstOutcome,
    ForAgainstRules,
    SelectionRules,
    Turnout,
    count_for_against,
    count_selection,
    rate_satisfaction,
    threshold_for,
)

ABC = ["a", "b", "c", "d", "e"]


def sel(cands, ballots, seats, roster=None, present=None, max_choices=None, base="roster"):
    roster = len(ballots) if roster is None else roster
    present = roster if present is None else present
    return count_selection(cands, ballots, SelectionRules(seats, max_choices, base),
                           Turnout(roster, present))


# ------------------------------------------------------------------ threshold

@pytest.mark.parametrize("base, expected", [("roster", 51), ("present", 41), ("cast", 36)])
def test_threshold_each_base(base, expected):
    turnout = Turnout(roster=100, present=80, cast=70)
    assert threshold_for(SelectionRules(3, threshold_base=base), turnout) == expected


@pytest.mark.parametrize("n, expected", [(0, 1), (1, 1), (2, 2), (3, 2), (4, 3), (501, 251)])
def test_threshold_is_more_than_half(n, expected):
    assert threshold_for(SelectionRules(1), Turnout(n, n)) == expected


def test_threshold_on_cast_needs_cast():
    with pytest.raises(ValueError):
        threshold_for(SelectionRules(1, threshold_base="cast"), Turnout(10, 10))


def test_cast_base_counts_invalid_ballots():
    # 3 valid + 2 invalid = 5 cast -> threshold 3; "a" has 3.
    ballots = [["a"], ["a"], ["a"], ["a", "a"], ["zz"]]
    out = sel(ABC, ballots, 1, roster=100, base="cast")
    assert (out.valid, out.invalid, out.cast, out.threshold) == (3, 2, 5, 3)
    assert out.elected == ["a"]


def test_present_base():
    ballots = [["a"]] * 6 + [[]] * 4
    assert sel(ABC, ballots, 1, roster=20, present=11, base="present").elected == ["a"]
    assert sel(ABC, ballots, 1, roster=20, present=12, base="present").elected == []
    assert sel(ABC, ballots, 1, roster=20, present=12, base="roster").threshold == 11


# ------------------------------------------------------------------ selection

def test_simple_selection_rank_order():
    ballots = [["c", "a"], ["c", "b"], ["c", "a"], ["b", "a"], ["c"]]
    out = sel(ABC, ballots, 2, roster=5)
    assert out.counts == {"a": 3, "b": 2, "c": 4, "d": 0, "e": 0}
    assert list(out.counts) == ABC  # every candidate, zeros too, in candidate order
    assert out.threshold == 3
    assert out.elected == ["c", "a"]
    assert (out.tied, out.seats_left, out.runoff_candidates, out.runoff_reason) == ([], 0, [], None)


def test_equal_votes_rank_by_candidate_order():
    ballots = [["b", "a", "c"]] * 3
    out = sel(["c", "b", "a"], ballots, 3, roster=3)
    assert out.elected == ["c", "b", "a"]  # all equal: the poll's candidate order, not alphabetic


def test_tie_at_last_seat():
    # 2 seats; a = 5, b = c = 4, threshold 4 (roster 7): b and c tie for the last seat.
    ballots = [["a", "b"]] * 2 + [["a", "c"]] * 2 + [["a"], ["b", "c"], ["b", "c"]]
    out = sel(ABC, ballots, 2, roster=7)
    assert out.counts["a"] == 5 and out.counts["b"] == 4 and out.counts["c"] == 4
    assert out.elected == ["a"]
    assert out.tied == ["b", "c"]
    assert out.seats_left == 1
    assert (out.runoff_candidates, out.runoff_reason) == (["b", "c"], "tie")


def test_tie_that_fits_is_no_tie():
    ballots = [["a", "b", "c"]] * 4 + [["d"]]
    out = sel(ABC, ballots, 3, roster=5)
    assert out.elected == ["a", "b", "c"]
    assert out.tied == [] and out.seats_left == 0


def test_tie_below_the_last_seat_is_no_tie():
    ballots = [["a", "b"]] * 5 + [["c", "d"]] * 4
    out = sel(ABC, ballots, 2, roster=9)
    assert out.elected == ["a", "b"] and out.tied == []


def test_whole_field_tied_for_one_seat():
    ballots = [["a"], ["b"], ["c"]]
    out = sel(ABC, ballots, 1, roster=3, base="cast", max_choices=3)
    # each has 1 vote; threshold 2 -> nobody over the threshold: shortfall, not a tie
    assert out.elected == [] and out.tied == [] and out.runoff_reason == "shortfall"
    ballots = [["a", "b", "c"]] * 2 + [[]]
    out = sel(ABC, ballots, 1, roster=3, max_choices=3)
    assert out.elected == [] and out.tied == ["a", "b", "c"] and out.seats_left == 1


def test_tie_only_among_those_over_the_threshold():
    # b and c tie at 3 but the threshold is 4: shortfall, not a tie.
    ballots = [["a", "b"]] * 3 + [["a", "c"]] * 3 + [["a"]]
    out = sel(ABC, ballots, 2, roster=7)
    assert out.elected == ["a"] and out.tied == []
    assert out.seats_left == 1
    assert out.runoff_reason == "shortfall"
    assert out.runoff_candidates == ["b", "c", "d", "e"]


def test_shortfall_runoff_keeps_candidate_order():
    ballots = [["e", "a"]] * 6 + [["e", "d"]] * 3 + [[]]
    out = sel(ABC, ballots, 3, roster=10)  # e 9, a 6, d 3; threshold 6
    assert out.elected == ["e", "a"]
    assert out.seats_left == 1
    assert out.runoff_candidates == ["b", "c", "d"]


def test_zero_ballots():
    out = sel(ABC, [], 2, roster=10)
    assert out.counts == dict.fromkeys(ABC, 0)
    assert (out.valid, out.invalid, out.threshold) == (0, 0, 6)
    assert out.elected == [] and out.seats_left == 2 and out.runoff_reason == "shortfall"
    assert sel(ABC, [], 2, roster=0).threshold == 1
    assert sel(ABC, [], 2, roster=10, base="cast").threshold == 1


def test_all_abstain():
    out = sel(ABC, [[]] * 8, 2, roster=8)
    assert (out.valid, out.invalid) == (8, 0)
    assert out.counts == dict.fromkeys(ABC, 0)
    assert out.elected == [] and out.runoff_candidates == ABC


@pytest.mark.parametrize("bad", [
    ["a", "b", "c"],          # too many (max 2)
    ["a", "zz"],              # unknown id
    ["a", "a"],               # the same id twice
    ["b", "b", "b"],
    None,                     # an unreadable paper ballot
    "a",                      # a bare string, not a collection
    [["a"]],                  # unhashable choice
    [1],                      # not an id
])
def test_invalid_ballots_count_nothing(bad):
    out = sel(ABC, [["a"], bad], 2, roster=2)
    assert (out.valid, out.invalid, out.cast) == (1, 1, 2)
    assert out.counts == {"a": 1, "b": 0, "c": 0, "d": 0, "e": 0}


def test_max_choices_setting_and_collections():
    ballots = [("a", "b", "c"), {"a", "b", "c"}, frozenset({"d"}), ["a", "b", "c", "d"]]
    out = sel(ABC, ballots, 2, roster=4, max_choices=3)
    assert (out.valid, out.invalid) == (3, 1)
    assert out.counts == {"a": 2, "b": 2, "c": 2, "d": 1, "e": 0}
    out = sel(ABC, [["a", "b"]], 2, roster=1, max_choices=1)
    assert out.invalid == 1


def test_harbin_fifteen_to_ten():
    cands = [f"p{i:02d}" for i in range(1, 16)]
    rng = random.Random(2023)
    # 500 on the roster, 480 vote; p01..p10 are popular, the rest are not.
    ballots = [rng.sample(cands[:10], 8) + rng.sample(cands[10:], 2) for _ in range(480)]
    out = sel(cands, ballots, 10, roster=500)
    assert out.threshold == 251
    assert sorted(out.elected) == cands[:10]
    assert out.seats_left == 0 and out.runoff_reason is None
    assert sum(out.counts.values()) == 4800


def test_turnout_cast_must_match_ballots():
    rules = SelectionRules(1)
    assert count_selection(ABC, [["a"]], rules, Turnout(3, 3, cast=1)).cast == 1
    with pytest.raises(ValueError):
        count_selection(ABC, [["a"]], rules, Turnout(3, 3, cast=2))


@pytest.mark.parametrize("make", [
    lambda: SelectionRules(0),
    lambda: SelectionRules(2, max_choices=0),
    lambda: SelectionRules(2, threshold_base="everyone"),
    lambda: ForAgainstRules(0),
    lambda: ForAgainstRules(1, max_for=0),
    lambda: EvaluationRules("half"),
    lambda: Turnout(5, 6),
    lambda: Turnout(-1, 0),
    lambda: Turnout(5, 5, cast=-1),
    lambda: count_selection(["a", "a"], [], SelectionRules(1), Turnout(1, 1)),
])
def test_bad_settings_are_refused(make):
    with pytest.raises(ValueError):
        make()


def test_defaults():
    assert SelectionRules(10) == SelectionRules(10, 10, "roster")
    assert ForAgainstRules(10).max_for is None
    assert EvaluationRules().threshold_base == "roster"


def test_a_hundred_thousand_ballots_count_as_a_plain_tally_does():
    """Its speed is bench/tally_bench.py's to measure; here, that it is right at that size."""
    cands = [f"p{i:02d}" for i in range(15)]
    rng = random.Random(7)
    ballots = [rng.sample(cands, rng.randint(0, 10)) for _ in range(100_000)]
    out = count_selection(cands, ballots, SelectionRules(10), Turnout(100_000, 100_000))
    assert out.valid == 100_000
    assert out.counts == {c: sum(c in b for b in ballots) for c in cands}


# ------------------------------------------------------------------ for / against / abstain

def test_for_against_tallies_and_missing_is_abstain():
    ballots = [
        {"a": "for", "b": "against", "c": "abstain"},
        {"a": "for", "b": "for"},                # c missing -> abstain
        {},                                      # abstains on everyone
        {"a": "against", "c": "for"},
    ]
    out = count_for_against(["a", "b", "c"], ballots, ForAgainstRules(2), Turnout(4, 4))
    assert isinstance(out, ForAgainstOutcome)
    assert out.counts == {"a": 2, "b": 1, "c": 1}
    assert out.against == {"a": 1, "b": 1, "c": 0}
    assert out.abstain == {"a": 1, "b": 2, "c": 3}
    assert out.threshold == 3
    assert out.elected == [] and out.runoff_reason == "shortfall"


def test_for_against_ranking_and_tie():
    ballots = ([{"a": "for", "b": "for", "c": "for"}] * 4
               + [{"a": "for", "b": "against", "c": "against"}] * 2)
    out = count_for_against(["c", "b", "a"], ballots, ForAgainstRules(2), Turnout(6, 6))
    assert out.counts == {"c": 4, "b": 4, "a": 6}
    assert out.elected == ["a"] and out.tied == ["c", "b"]
    assert (out.seats_left, out.runoff_reason) == (1, "tie")
    out = count_for_against(["c", "b", "a"], ballots, ForAgainstRules(3), Turnout(6, 6))
    assert out.elected == ["a", "c", "b"] and out.tied == []


@pytest.mark.parametrize("bad", [
    {"a": "for", "zz": "for"},      # unknown id
    {"a": "yes"},                   # unknown mark
    {"a": None},
    {"a": ["for"]},                 # unhashable mark
    ["a"],                          # not a mapping
    None,
])
def test_for_against_invalid(bad):
    out = count_for_against(["a", "b"], [bad, {"a": "for"}], ForAgainstRules(1),
                            Turnout(2, 2))
    assert (out.valid, out.invalid) == (1, 1)
    assert out.counts == {"a": 1, "b": 0}
    assert out.abstain == {"a": 0, "b": 1}


def test_for_against_max_for():
    ballots = [{"a": "for", "b": "for"}, {"a": "for", "b": "against"}]
    out = count_for_against(["a", "b"], ballots, ForAgainstRules(1, max_for=1), Turnout(2, 2))
    assert (out.valid, out.invalid) == (1, 1)
    out = count_for_against(["a", "b"], ballots, ForAgainstRules(1), Turnout(2, 2))
    assert (out.valid, out.invalid) == (2, 0)


def test_for_against_bases():
    ballots = [{"a": "for"}] * 4 + [{"a": "against"}] * 2 + [{"zz": "for"}]
    for base, roster, present, threshold in [("roster", 10, 8, 6), ("present", 10, 8, 5),
                                             ("cast", 10, 8, 4)]:
        out = count_for_against(["a"], ballots, ForAgainstRules(1, threshold_base=base),
                                Turnout(roster, present))
        assert out.threshold == threshold
        assert out.elected == ([] if threshold > 4 else ["a"])


# ------------------------------------------------------------------ satisfaction

def rate(ids, ballots, roster, present=None, base="roster"):
    present = roster if present is None else present
    return rate_satisfaction(ids, ballots, EvaluationRules(base), Turnout(roster, present))


def test_zhenhai_rule():
    # 10 members, threshold 6 (more than half of 10).
    ballots = (
        [{"x": "satisfied", "y": "satisfied", "z": "basic", "w": "dissatisfied"}] * 5
        + [{"x": "satisfied", "y": "basic", "z": "basic", "w": "basic"}] * 1
        + [{"x": "dissatisfied", "y": "dissatisfied", "z": "dissatisfied"}] * 2  # w missing
        + [{"x": "abstain"}] * 2
    )
    out = rate(["x", "y", "z", "w"], ballots, roster=10)
    assert out.threshold == 6
    r = out.ratings
    assert (r["x"].satisfied, r["x"].rating) == (6, "satisfied")
    assert (r["y"].satisfied, r["y"].basic, r["y"].rating) == (5, 1, "basic")
    assert (r["z"].basic, r["z"].rating) == (6, "basic")
    assert (r["w"].dissatisfied, r["w"].basic, r["w"].abstain, r["w"].rating) == (5, 1, 4, "dissatisfied")
    assert r["w"].rectify and not r["x"].rectify
    assert out.rectify == ["w"]
    # (6+6+6+1) good of (8+8+8+6) rated = 19/30 = 63.333.. %
    assert out.overall_rate == Decimal("63.33")


def test_exactly_half_is_not_more_than_half():
    ballots = [{"x": "satisfied"}] * 5 + [{"x": "dissatisfied"}] * 5
    out = rate(["x"], ballots, roster=10)
    assert out.ratings["x"].rating == "dissatisfied"
    ballots = [{"x": "satisfied"}] * 5 + [{"x": "basic"}] + [{"x": "dissatisfied"}] * 4
    assert rate(["x"], ballots, roster=10).ratings["x"].rating == "basic"


def test_abstentions_count_against_the_roster_base():
    ballots = [{"x": "satisfied"}] * 4 + [{"x": "abstain"}] * 6
    out = rate(["x"], ballots, roster=10)
    assert out.ratings["x"].rating == "dissatisfied"
    assert out.overall_rate == Decimal("100.00")
    assert rate(["x"], ballots[:4], roster=10, present=7, base="cast").ratings["x"].rating \
        == "satisfied"
    assert rate(["x"], ballots[:4], roster=10, present=7, base="present").threshold == 4


def test_overall_rate_rounds_half_up():
    # 2 of 3 = 66.666..% -> 66.67; 1 of 8 = 12.5% -> 12.50; 1/16 = 6.25; 1/1600 = 0.0625 -> 0.06
    assert rate(["x"], [{"x": "basic"}] * 2 + [{"x": "dissatisfied"}], 3).overall_rate \
        == Decimal("66.67")
    assert rate(["x"], [{"x": "satisfied"}] + [{"x": "dissatisfied"}] * 7, 8).overall_rate \
        == Decimal("12.50")
    # 1/800 = 0.125 % -> 0.13 (half up, not half even)
    assert rate(["x"], [{"x": "satisfied"}] + [{"x": "dissatisfied"}] * 799, 800).overall_rate \
        == Decimal("0.13")


def test_overall_rate_like_the_seeds():
    # 98.56 %: 616 good of 625 non-abstain ratings.
    ballots = [{"x": "satisfied"}] * 600 + [{"x": "basic"}] * 16 + [{"x": "dissatisfied"}] * 9
    out = rate(["x"], ballots + [{"x": "abstain"}] * 5, roster=630)
    assert out.overall_rate == Decimal("98.56")
    assert str(out.overall_rate) == "98.56"


def test_satisfaction_nobody_rated():
    out = rate(["x", "y"], [{}, {"x": "abstain"}], roster=2)
    assert out.overall_rate is None
    assert out.ratings["x"].abstain == 2 and out.ratings["x"].rating == "dissatisfied"
    out = rate(["x"], [], roster=0)
    assert (out.threshold, out.overall_rate, out.cast) == (1, None, 0)


@pytest.mark.parametrize("bad", [{"x": "good"}, {"q": "satisfied"}, {"x": "for"}, None, []])
def test_satisfaction_invalid(bad):
    out = rate(["x"], [bad, {"x": "satisfied"}], roster=2)
    assert (out.valid, out.invalid) == (1, 1)
    assert out.ratings["x"].satisfied == 1 and out.ratings["x"].abstain == 0


# ------------------------------------------------------------------ reference counts

def ref_threshold(base_kind, roster, present, cast):
    base = {"roster": roster, "present": present, "cast": cast}[base_kind]
    t = 0
    while 2 * t <= base:  # the fewest votes that are more than half
        t += 1
    return t


def ref_seat(cands, votes, threshold, seats):
    """Elected: over the threshold, and no more than `seats` over-threshold candidates have
    at least as many votes. Tied: the best of the rest, if seats remain."""
    over = [c for c in cands if votes[c] >= threshold]
    elected = []
    for c in over:
        at_least = 0
        for d in over:
            if votes[d] >= votes[c]:
                at_least += 1
        if at_least <= seats:
            elected.append(c)
    # rank: repeatedly take the most votes, earliest candidate first
    ranked = []
    pool = list(elected)
    while pool:
        best = pool[0]
        for c in pool:
            if votes[c] > votes[best]:
                best = c
        ranked.append(best)
        pool.remove(best)
    rest = [c for c in over if c not in elected]
    tied = []
    if rest and len(elected) < seats:
        top = max(votes[c] for c in rest)
        tied = [c for c in rest if votes[c] == top]
    left = seats - len(ranked)
    if tied:
        runoff, reason = tied, "tie"
    elif left > 0:
        runoff, reason = [c for c in cands if c not in ranked], "shortfall"
    else:
        runoff, reason = [], None
    return ranked, tied, left, runoff, reason


def ref_selection(cands, ballots, seats, max_choices, base, roster, present):
    votes = {}
    for c in cands:
        votes[c] = 0
    valid = invalid = 0
    for b in ballots:
        ok = len(b) <= max_choices
        seen = []
        for x in b:
            if x not in cands or x in seen:
                ok = False
            seen.append(x)
        if ok:
            valid += 1
            for x in b:
                votes[x] += 1
        else:
            invalid += 1
    threshold = ref_threshold(base, roster, present, valid + invalid)
    return votes, valid, invalid, threshold, ref_seat(cands, votes, threshold, seats)


def ref_marks(cands, ballots, allowed):
    """Per candidate, per mark, over valid ballots; missing = abstain."""
    tally = {c: {m: 0 for m in allowed} for c in cands}
    valid = invalid = 0
    for b in ballots:
        ok = True
        for k in b:
            if k not in cands or b[k] not in allowed:
                ok = False
        if not ok:
            invalid += 1
            continue
        valid += 1
        for c in cands:
            tally[c][b.get(c, "abstain")] += 1
    return tally, valid, invalid


# ------------------------------------------------------------------ properties

IDS = st.sampled_from(["a", "b", "c", "d", "e", "f", "g"])


@st.composite
def selection_cases(draw):
    cands = draw(st.lists(IDS, min_size=1, max_size=6, unique=True))
    seats = draw(st.integers(1, len(cands) + 1))
    max_choices = draw(st.one_of(st.none(), st.integers(1, len(cands) + 1)))
    limit = seats if max_choices is None else max_choices
    choice = st.sampled_from(cands + ["zz"]) if draw(st.booleans()) else st.sampled_from(cands)
    ballot = st.one_of(
        st.lists(st.sampled_from(cands), max_size=min(limit, len(cands)), unique=True),  # mostly valid
        st.lists(choice, max_size=limit + 2),                         # may be invalid
    )
    ballots = draw(st.lists(ballot, max_size=25))
    roster = draw(st.integers(0, 30))
    present = draw(st.integers(0, roster))
    base = draw(st.sampled_from(["roster", "present", "cast"]))
    return cands, ballots, seats, max_choices, base, roster, present


@settings(max_examples=600, deadline=None)
@given(selection_cases())
def test_selection_matches_reference(case):
    cands, ballots, seats, max_choices, base, roster, present = case
    out = count_selection(cands, ballots, SelectionRules(seats, max_choices, base),
                          Turnout(roster, present))
    limit = seats if max_choices is None else max_choices
    votes, valid, invalid, threshold, (elected, tied, left, runoff, reason) = ref_selection(
        cands, ballots, seats, limit, base, roster, present)
    assert out.counts == votes and list(out.counts) == cands
    assert (out.valid, out.invalid, out.threshold) == (valid, invalid, threshold)
    assert out.elected == elected
    assert out.tied == tied
    assert out.seats_left == left
    assert (out.runoff_candidates, out.runoff_reason) == (runoff, reason)
    check_invariants(out, cands, len(ballots))


def check_invariants(out, cands, n_ballots):
    v = out.counts
    assert out.valid + out.invalid == out.cast == n_ballots
    assert len(out.elected) <= out.seats
    assert len(set(out.elected)) == len(out.elected)
    assert all(v[c] >= out.threshold for c in out.elected)
    assert out.seats_left == out.seats - len(out.elected) >= 0
    assert [v[c] for c in out.elected] == sorted((v[c] for c in out.elected), reverse=True)
    assert not set(out.tied) & set(out.elected)
    if out.tied:
        assert out.seats_left > 0 and len(out.tied) > out.seats_left
        assert len({v[c] for c in out.tied}) == 1
        assert all(v[c] >= out.threshold for c in out.tied)
        assert all(v[e] > v[out.tied[0]] for e in out.elected)
        assert out.runoff_reason == "tie" and out.runoff_candidates == out.tied
    elif out.seats_left:
        # shortfall: everyone over the threshold was elected
        assert all(c in out.elected for c in cands if v[c] >= out.threshold)
        assert out.runoff_reason == "shortfall"
        assert out.runoff_candidates == [c for c in cands if c not in out.elected]
    else:
        assert out.runoff_reason is None and out.runoff_candidates == []
    # nobody left out beat someone elected
    if out.elected:
        lowest = min(v[c] for c in out.elected)
        assert all(v[c] <= lowest for c in cands if c not in out.elected)


@st.composite
def mark_cases(draw, marks):
    cands = draw(st.lists(IDS, min_size=1, max_size=5, unique=True))
    keys = st.sampled_from(cands + ["zz"]) if draw(st.booleans()) else st.sampled_from(cands)
    values = st.sampled_from(marks + ["bogus"]) if draw(st.booleans()) else st.sampled_from(marks)
    ballots = draw(st.lists(st.dictionaries(keys, values, max_size=len(cands)), max_size=25))
    roster = draw(st.integers(0, 30))
    present = draw(st.integers(0, roster))
    base = draw(st.sampled_from(["roster", "present", "cast"]))
    return cands, ballots, roster, present, base


@settings(max_examples=400, deadline=None)
@given(mark_cases(["for", "against", "abstain"]), st.integers(1, 6))
def test_for_against_matches_reference(case, seats):
    cands, ballots, roster, present, base = case
    out = count_for_against(cands, ballots, ForAgainstRules(seats, threshold_base=base),
                            Turnout(roster, present))
    tally, valid, invalid = ref_marks(cands, ballots, ["for", "against", "abstain"])
    threshold = ref_threshold(base, roster, present, valid + invalid)
    votes = {c: tally[c]["for"] for c in cands}
    elected, tied, left, runoff, reason = ref_seat(cands, votes, threshold, seats)
    assert (out.valid, out.invalid, out.threshold) == (valid, invalid, threshold)
    assert out.counts == votes
    assert out.against == {c: tally[c]["against"] for c in cands}
    assert out.abstain == {c: tally[c]["abstain"] for c in cands}
    assert (out.elected, out.tied, out.seats_left) == (elected, tied, left)
    assert (out.runoff_candidates, out.runoff_reason) == (runoff, reason)
    check_invariants(out, cands, len(ballots))


@settings(max_examples=400, deadline=None)
@given(mark_cases(["satisfied", "basic", "dissatisfied", "abstain"]))
def test_satisfaction_matches_reference(case):
    cands, ballots, roster, present, base = case
    out = rate_satisfaction(cands, ballots, EvaluationRules(base), Turnout(roster, present))
    tally, valid, invalid = ref_marks(cands, ballots,
                                      ["satisfied", "basic", "dissatisfied", "abstain"])
    cast = valid + invalid
    half = {"roster": roster, "present": present, "cast": cast}[base] / 2
    assert (out.valid, out.invalid, out.cast) == (valid, invalid, len(ballots))
    good = rated = 0
    for c in cands:
        t, r = tally[c], out.ratings[c]
        assert (r.satisfied, r.basic, r.dissatisfied, r.abstain) == (
            t["satisfied"], t["basic"], t["dissatisfied"], t["abstain"])
        if t["satisfied"] > half:
            expected = "satisfied"
        elif t["satisfied"] + t["basic"] > half:
            expected = "basic"
        else:
            expected = "dissatisfied"
        assert r.rating == expected and r.rectify == (expected == "dissatisfied")
        good += t["satisfied"] + t["basic"]
        rated += t["satisfied"] + t["basic"] + t["dissatisfied"]
    if rated == 0:
        assert out.overall_rate is None
    else:
        exact = Decimal(good) * 100 / Decimal(rated)
        assert abs(out.overall_rate - exact) <= Decimal("0.005")
        assert out.overall_rate.as_tuple().exponent == -2
