"""The bench's pieces at tiny scale, so ``make test`` catches a broken ``make bench`` (no timing asserted)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import capacity, history, latency, mitigation, startup, transitions
from bench.report import render_table
from canary.emulator import Emulator
from canary.statemachine import load_definition

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import prune_botocore  # noqa: E402


def test_history_cost_is_measured_for_both_readers(emulator: Emulator) -> None:
    cost = history.measure(emulator, 20, tail_seconds=2)
    assert cost.events >= 20
    assert cost.follower.polls >= 1
    assert cost.naive.polls >= 1
    assert cost.naive.bytes_per_poll > 0
    assert cost.follower.first_read_calls >= 1


def test_derived_designs_fix_the_endpoint_wait_and_make_the_bake_one_wait() -> None:
    bundled = json.loads(load_definition())
    fixed = transitions.fixed_polling(bundled)
    seed = transitions.seed_like(bundled)
    for derived in (fixed, seed):
        states = {name: s for _, name, s in transitions._walk(derived["States"])}
        assert states["WaitForEndpoint"]["Seconds"] == 30
        assert "$wait.seconds" not in json.dumps(derived)  # nothing reads or grows the wait any more
    seed_states = {name: s for _, name, s in transitions._walk(seed["States"])}
    bake_entries = [
        holder
        for holder in transitions._holders(seed["States"])
        if "startedAt" in holder.get("Assign", {}).get("bake", "") and holder.get("Next") == "Bake"
    ]
    assert len(bake_entries) == 2, "both entries with alarms (canary, later steps) go to the Wait"
    assert all('"wait": $in.BakeSeconds' in h["Assign"]["bake"] for h in bake_entries)
    assert all('"left": 0' in h["Assign"]["bake"] for h in bake_entries)
    assert seed_states["Bake"]["Next"] == "CheckAlarms"
    assert json.loads(load_definition()) == bundled  # the bundled definition is left as it is


def test_deriving_a_design_refuses_a_definition_without_the_loop() -> None:
    bundled = json.loads(load_definition())
    without = transitions.fixed_polling(bundled)
    with pytest.raises(ValueError, match="endpoint-wait loop"):
        transitions.fixed_polling(without)


def test_designs_run_to_success_and_are_counted(emulator: Emulator) -> None:
    counted = transitions.run(emulator, bake_minutes=1, update_minutes=0.5)
    designs = counted["designs"]
    assert {d["status"] for d in designs.values()} == {"SUCCEEDED"}
    assert all(d["transitions"] > 0 and d["events"] > d["transitions"] for d in designs.values())


def test_direct_rollback_design_loses_only_the_traffic_cut() -> None:
    bundled = json.loads(load_definition())
    direct = mitigation.direct_rollback(bundled)
    assert "StopCanaryTraffic" in json.dumps(bundled["States"]["RollbackDecide"])
    assert "StopCanaryTraffic" not in json.dumps(direct["States"]["RollbackDecide"])
    assert (
        len(direct["States"]["RollbackDecide"]["Choices"])
        == len(bundled["States"]["RollbackDecide"]["Choices"]) - 1
    )
    with pytest.raises(ValueError, match="StopCanaryTraffic"):
        mitigation.direct_rollback(direct)


@pytest.mark.timeout(180)
def test_alarm_cuts_the_canary_traffic_before_the_update_back(emulator: Emulator) -> None:
    measured = mitigation.run(
        emulator, bake_minutes=2, update_minutes=1, weights_seconds=5, alarm_after_seconds=20, scale=1 / 60
    )
    ours, direct = measured["designs"]["bundled"], measured["designs"]["update straight back"]
    assert {ours["error"], direct["error"]} == {"Canary.RolledBack"}
    # The bundled rollback cuts traffic with a weight change, then updates back; the other only updates.
    assert ours["alarm_to_rollback"] <= ours["alarm_to_cut"] < ours["alarm_to_zero"] < ours["alarm_to_update"]
    assert ours["alarm_to_update"] < ours["alarm_to_original"]
    assert [weight for _, weight in ours["canary_weights_seen"]] == [20.0, 0.0, None]
    # Updating straight back, the canary keeps its weight until its variant is gone with the update.
    assert [weight for _, weight in direct["canary_weights_seen"]] == [20.0, None]
    assert direct["alarm_to_cut"] == direct["alarm_to_update"]
    assert direct["alarm_to_zero"] == direct["alarm_to_original"]
    # An alarm while the canary scales out: the rollback starts at the next check of that wait, and
    # its cut is sent once the endpoint has left Updating (SageMaker refuses updates meanwhile).
    grown = measured["scale_out"]
    assert grown["error"] == "Canary.RolledBack"
    assert (
        grown["alarm_to_rollback"]
        <= grown["alarm_to_cut"]
        < grown["alarm_to_zero"]
        < grown["alarm_to_update"]
    )
    assert grown["alarm_after_scale_began"] + grown["alarm_to_cut"] >= 55, (
        "not before the 60 s scale-out ends"
    )


@pytest.mark.timeout(180)
def test_deploy_is_followed_by_every_reader_and_the_action_deploys(emulator: Emulator) -> None:
    scale = latency.Scale(
        update_seconds=0.5, bake_seconds=0, alarm_check_seconds=1, slow_interval=2, describe_interval=1
    )
    result = latency.run(emulator, scale, endpoint="bench-smoke")
    assert result["execution"]["status"] == "SUCCEEDED", result["tail"]
    assert result["action"]["outcome"] == "deployed"
    events = result["execution"]["events"]
    for name, reader in result["readers"].items():
        assert reader["calls"] > 0, name
        assert reader["outcome_latency"] is not None, name
        if not name.startswith("describe"):
            assert reader["events"] == events, name


def test_startup_sees_the_first_request_of_the_entrypoint_and_the_cli() -> None:
    rows = startup.run(None, runs=1)
    assert [row.program for row in rows] == ["entrypoint", "aws cli"]
    assert all(row.median > 0 for row in rows)


def _fake_site(tmp_path: Path) -> Path:
    data = tmp_path / "botocore" / "data"
    for service in (
        "stepfunctions",
        "sagemaker",
        "cloudwatch",
        "application-autoscaling",
        "service-quotas",
        "sts",
        "ec2",
        "s3",
    ):
        (data / service / "2020-01-01").mkdir(parents=True)
        (data / service / "2020-01-01" / "service-2.json.gz").write_bytes(b"x" * 100)
    (data / "endpoints.json").write_text("{}")
    lexers = tmp_path / "pygments" / "lexers"
    lexers.mkdir(parents=True)
    for name in ("__init__.py", "_mapping.py", "python.py", "rust.py"):
        (lexers / name).write_text("#")
    return tmp_path


def test_prune_keeps_needed_services_and_botocore_files(tmp_path: Path) -> None:
    site = _fake_site(tmp_path)
    deleted, freed = prune_botocore.prune(site)
    left = {p.name for p in (site / "botocore" / "data").iterdir()}
    assert left == {
        "stepfunctions",
        "sagemaker",
        "cloudwatch",
        "application-autoscaling",
        "service-quotas",
        "sts",
        "endpoints.json",
    }
    assert sorted(deleted) == ["botocore/ec2", "botocore/s3", "pygments/lexers/rust.py"]
    assert freed > 0
    assert (site / "pygments" / "lexers" / "python.py").exists()


def test_prune_refuses_a_tree_without_a_needed_service(tmp_path: Path) -> None:
    site = _fake_site(tmp_path)
    shutil.rmtree(site / "botocore" / "data" / "sagemaker")
    with pytest.raises(FileNotFoundError, match="sagemaker"):
        prune_botocore.prune(site)
    assert (site / "botocore" / "data" / "ec2").exists()


def test_table_renders_every_figure_and_marks_errors() -> None:
    results: dict[str, Any] = {
        "history": [
            {
                "events": 10004,
                "bytes_ratio": 300.0,
                "calls_ratio": 11.0,
                "follower": {"calls_per_poll": 1.0, "bytes_per_poll": 6000.0},
                "naive": {"calls_per_poll": 11.0, "bytes_per_poll": 2.2e6},
            }
        ],
        "startup": [
            {"program": "entrypoint", "median": 0.3, "best": 0.3, "runs": [0.3]},
            {"program": "aws cli", "median": 0.2, "best": 0.2, "runs": [0.2]},
        ],
        "transitions": {"error": "RuntimeError: boom"},
        "meta": {"commit": "abc"},
    }
    table = render_table(results)
    assert "10,004 events" in table
    assert "300x fewer bytes" in table
    assert "1.50x (target < 1: **missed**)" in table
    assert "transitions: not measured — RuntimeError: boom" in table


def test_table_puts_the_bundled_counts_beside_the_previous_definition_and_the_mitigation_beside_it() -> None:
    design = {"transitions": 150, "events": 480, "waits": 41}
    rollback = {
        "alarm_to_zero": 60.0,
        "alarm_to_original": 540.0,
        "alarm_to_rollback": 40.0,
        "alarm_to_cut": 43.0,
        "cut_to_zero": 17.0,
    }
    results: dict[str, Any] = {
        "transitions": {
            "deploy": "standard",
            "time_scale": "1 s per minute",
            "designs": {"bundled": design},
            "previous": transitions.PREVIOUS_DEFINITION,
            "target": transitions.TARGET,
        },
        "mitigation": {
            "deploy": "alarm in the bake",
            "update_seconds": 480.0,
            "weights_seconds": 10.0,
            "watch_seconds": 0.6,
            "time_scale": "1 s per 30 s",
            "designs": {"bundled": rollback, "update straight back": {**rollback, "alarm_to_zero": 520.0}},
        },
    }
    results["mitigation"]["designs"]["update straight back"]["alarm_to_original"] = 520.0
    table = render_table(results)
    assert "| 150 (480) | previous (JSONPath) definition, measured at 4bd0eb9: 151 (514)" in table
    assert "target ≤ 145 (≤ 496): **missed**" in table  # 150 > 145
    assert "| alarm → canary at 0 % traffic | 60 s" in table
    assert "previous design (update straight back): 520 s" in table
    assert "0.12x (460 s sooner)" in table
    assert "+20 s (the weight change first)" in table


def test_capacity_figures_come_from_the_emulators_instance_timeline(emulator: Emulator) -> None:
    planned = capacity.run(emulator, bake_minutes=0.5, update_minutes=0.5, scale=1 / 60)
    for design in planned["designs"].values():
        assert design["status"] == "SUCCEEDED"
        # the canary update provisions a new fleet beside the old one: 4 + (4 + 1)
        assert design["peak"] == 2 * capacity.FLEET + 1
        assert design["extra_instance_minutes"] > 0
        assert design["timeline"][0][1] == {capacity.INSTANCE_TYPE: 9}
    assert "| instances, standard deploy on 4 instances" in render_table({"capacity": planned})


def test_strategies_peak_within_their_bounds_and_roll_back(emulator: Emulator, monkeypatch: Any) -> None:
    """blue-green runs the whole new fleet beside the old one (2N), rolling one batch more (N + 1), in
    the rollback too (docs/strategies.md); the bench's figures come from the emulator's timeline."""
    from bench import strategies

    monkeypatch.setattr(strategies, "TIME_SCALE", 1 / 1200)
    measured = strategies.run(emulator)
    rows = measured["strategies"]
    assert (rows["blue-green"]["peak"], rows["blue-green"]["rollback_peak"]) == (8, 8)
    assert (rows["rolling"]["peak"], rows["rolling"]["rollback_peak"]) == (5, 5)
    assert {row["status"] for row in rows.values()} == {"SUCCEEDED"}
    assert {row["rollback_status"] for row in rows.values()} == {"FAILED"}
    assert rows["rolling"]["extra_instance_minutes"] < rows["blue-green"]["extra_instance_minutes"]
    assert "strategy rolling" in render_table({"strategies": measured})
