"""The table ``make bench`` prints (Markdown, so docs/performance.md can hold it as is)."""

from __future__ import annotations

from typing import Any

STANDARD_DEPLOY_MINUTES = 2 * 8 + 20
"""Inherent length of the standard deploy of the transitions figure (2 updates of 8 min, 20-min bake)."""


def _kb(value: float) -> str:
    return f"{value / 1000:,.1f} kB" if value < 1e6 else f"{value / 1e6:,.2f} MB"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _history_rows(costs: list[dict[str, Any]]) -> list[str]:
    rows = []
    for cost in costs:
        f, n = cost["follower"], cost["naive"]
        ok = cost["events"] < 5000 or cost["bytes_ratio"] >= 50
        target = f" (target ≥ 50x: {_mark(ok)})" if cost["events"] >= 5000 else ""
        rows.append(
            f"| history read per poll, {cost['events']:,} events | {f['calls_per_poll']:.2f} calls, "
            f"{_kb(f['bytes_per_poll'])} | naive re-read: {n['calls_per_poll']:.2f} calls, "
            f"{_kb(n['bytes_per_poll'])} "
            f"| {cost['bytes_ratio']:,.0f}x fewer bytes, {cost['calls_ratio']:.1f}x fewer calls{target} |"
        )
    return rows


def _deploy_rows(deploy: dict[str, Any], transitions: dict[str, Any] | None) -> list[str]:
    readers = deploy["readers"]
    adaptive = readers["adaptive"]
    fixed1 = readers["fixed 1 s"]
    slow_name = next(name for name in readers if name.startswith("fixed") and name != "fixed 1 s")
    describe_name = next(name for name in readers if name.startswith("describe"))
    slow, describe = readers[slow_name], readers[describe_name]
    ratio = adaptive["calls"] / max(1, fixed1["calls"])
    p95_ok = adaptive["latency_p95"] is not None and adaptive["latency_p95"] <= 1.0
    rows = [
        f"| event latency p50 / p95 | {_s(adaptive['latency_p50'])} / {_s(adaptive['latency_p95'])} "
        f"| fixed 1 s: {_s(fixed1['latency_p50'])} / {_s(fixed1['latency_p95'])}; {slow_name}: "
        f"{_s(slow['latency_p50'])} / {_s(slow['latency_p95'])} | p95 ≤ 1 s: {_mark(p95_ok)} |",
        f"| API calls per minute, following the deploy | {adaptive['calls_per_minute']:.1f} "
        f"({adaptive['calls']} calls) | fixed 1 s: {fixed1['calls_per_minute']:.1f} ({fixed1['calls']}); "
        f"{slow_name}: {slow['calls_per_minute']:.1f} ({slow['calls']}) | "
        f"{ratio:.2f}x the 1 s poller's calls "
        f"(target ≤ 0.20: {_mark(ratio <= 0.2)}) |",
    ]
    waits = deploy["execution"].get("waits") or 0
    if transitions and waits and "bundled" in transitions.get("designs", {}):
        per_wait = adaptive["calls"] / waits
        standard_waits = transitions["designs"]["bundled"]["waits"]
        projected = per_wait * standard_waits / STANDARD_DEPLOY_MINUTES
        rows.append(
            f"| ↳ projected at AWS timings (standard deploy, {STANDARD_DEPLOY_MINUTES} min) "
            f"| ≈{projected:.1f} calls/min ({per_wait:.1f} calls per Wait state x {standard_waits} Waits) "
            f"| fixed 1 s: 60 | ≈{projected / 60:.2f}x (a model from measured parts, not a measurement) |"
        )
    action = deploy["action"]
    outcome_ok = adaptive["outcome_latency"] is not None and adaptive["outcome_latency"] <= 1.0
    outcome_ok = outcome_ok and action["exit_after_end"] <= 1.0
    rows.append(
        "| outcome latency (execution end → known / process exit) "
        f"| follower {_s(adaptive['outcome_latency'])}; "
        f"action exit {_s(action['exit_after_end'])} | {describe_name}: {_s(describe['outcome_latency'])}; "
        f"{slow_name}: {_s(slow['outcome_latency'])} | ≤ 1 s: {_mark(outcome_ok)} |"
    )
    rows.append(
        f"| wall-clock overhead beyond updates + bake | {deploy['overhead_seconds']:.1f} s "
        f"(action {action['seconds']:.1f} s - inherent {deploy['inherent_seconds']:.0f} s; of which before "
        f"StartExecution {action['before_execution']:.1f} s, in the execution "
        f"{deploy['execution_overhead_seconds']:.1f} s) | - "
        f"| outcome {action['outcome']}, exit {action['exit_code']} |"
    )
    return rows


def _startup_rows(rows: list[dict[str, Any]]) -> list[str]:
    by = {row["program"]: row for row in rows}
    cli = by.get("aws cli")
    lines = []
    for name in ("entrypoint", "entrypoint (image)", "entrypoint (image, no .pyc)"):
        if name in by and cli:
            ours = by[name]["median"]
            lines.append(
                f"| start-up to first AWS request: {name} | {ours:.3f} s | aws cli: {cli['median']:.3f} s "
                f"| {ours / cli['median']:.2f}x (target < 1: {_mark(ours < cli['median'])}) |"
            )
    return lines


def _transition_rows(counted: dict[str, Any]) -> list[str]:
    designs = counted["designs"]
    bundled = designs["bundled"]
    seed = designs.get("fixed 30 s, seed bake")
    same = designs.get("fixed 30 s, 60 s checks")
    previous, target = counted.get("previous"), counted.get("target")
    ours = f"{bundled['transitions']} ({bundled['events']})"
    rows = []
    if previous and target:
        ok = bundled["transitions"] <= target["transitions"] and bundled["events"] <= target["events"]
        rows.append(
            f"| state transitions (history events), standard deploy | {ours} "
            f"| previous (JSONPath) definition, measured at {previous['commit']}: "
            f"{previous['transitions']} ({previous['events']}) "
            f"| {bundled['transitions'] / max(1, previous['transitions']):.2f}x "
            f"({bundled['events'] / max(1, previous['events']):.2f}x events); "
            f"target ≤ {target['transitions']} (≤ {target['events']}): {_mark(ok)} |"
        )
    if seed:
        ratio = bundled["transitions"] / max(1, seed["transitions"])
        rows.append(
            f"| ↳ against the seed's design | {ours} "
            f"| fixed 30 s + seed bake: {seed['transitions']} ({seed['events']}) | {ratio:.2f}x "
            f"(target ≤ 0.50: {_mark(ratio <= 0.5)}) |"
        )
    if same:
        ratio = bundled["transitions"] / max(1, same["transitions"])
        rows.append(
            f"| ↳ same bake (alarm checks every 60 s) | {ours} "
            f"| fixed 30 s polling: {same['transitions']} ({same['events']}) | {ratio:.2f}x |"
        )
    if extra := counted.get("per_check"):
        rows.append(
            f"| ↳ canary vs baseline, per check | +{extra['calls_per_check']:g} GetMetricData call, "
            f"+{extra['transitions_per_check']:g} transition (+{extra['events_per_check']:g} events); "
            f"{extra['metrics_reads']} reads for {extra['checks']} checks | - | included above |"
        )
    return rows


def _mitigation_rows(mitigated: dict[str, Any]) -> list[str]:
    designs = mitigated["designs"]
    ours, direct = designs["bundled"], designs.get("update straight back")
    zero = (
        f"{ours['alarm_to_zero']:.0f} s (rollback entered {ours['alarm_to_rollback']:.0f} s, weights update "
        f"sent {ours['alarm_to_cut']:.0f} s, settled {ours['cut_to_zero']:.0f} s after)"
    )
    original = f"{ours['alarm_to_original']:.0f} s"
    if not direct:
        return [
            f"| alarm → canary at 0 % traffic | {zero} | - | - |",
            f"| ↳ alarm → original config | {original} | - | - |",
            *_scale_out_row(mitigated),
        ]
    gained = direct["alarm_to_zero"] - ours["alarm_to_zero"]
    return [
        f"| alarm → canary at 0 % traffic | {zero} "
        f"| previous design (update straight back): {direct['alarm_to_zero']:.0f} s "
        "(= alarm → original config) "
        f"| {ours['alarm_to_zero'] / max(1e-9, direct['alarm_to_zero']):.2f}x ({gained:.0f} s sooner) |",
        f"| ↳ alarm → original config InService (UpdateEndpoint {mitigated['update_seconds']:g} s) "
        f"| {original} | previous design: {direct['alarm_to_original']:.0f} s "
        f"| {ours['alarm_to_original'] - direct['alarm_to_original']:+.0f} s (the weight change first) |",
        *_scale_out_row(mitigated),
    ]


def _scale_out_row(mitigated: dict[str, Any]) -> list[str]:
    grown = mitigated.get("scale_out")
    if not isinstance(grown, dict) or grown.get("alarm_to_zero") is None:
        return []
    return [
        f"| alarm during the canary's scale-out → 0 % | {grown['alarm_to_zero']:.0f} s (the cut sent "
        f"{grown['alarm_to_cut']:.0f} s after the alarm, once the endpoint left Updating; alarm "
        f"{grown['alarm_after_scale_began']:.0f} s into the scale-out) | {grown['deploy']} "
        "| SageMaker refuses an update while Updating |"
    ]


def _capacity_rows(planned: dict[str, Any]) -> list[str]:
    designs = planned["designs"]
    ours = designs["bundled"]
    old_name = next((name for name in designs if name != "bundled"), None)
    fleet = planned["fleet"]

    def cell(design: dict[str, Any]) -> str:
        return (
            f"peak {design['peak']} instances, {design['extra_instance_minutes']:g} instance-minutes above "
            f"the steady {fleet}; {design['fleet_after']} after"
        )

    if old_name is None:
        return [f"| instances, standard deploy on {fleet} instances | {cell(ours)} | - | - |"]
    old = designs[old_name]
    extra = ours["extra_instance_minutes"] - old["extra_instance_minutes"]
    return [
        f"| instances, standard deploy on {fleet} instances (emulator's instance timeline) | {cell(ours)} "
        f"| {old_name}: {cell(old)} | peak {ours['peak'] - old['peak']:+d}, {extra:+.1f} instance-minutes |"
    ]


def _strategy_rows(guarded: dict[str, Any]) -> list[str]:
    """SageMaker's strategies on the fleet (bench/strategies.py): one row per strategy."""
    rows = []
    for name, row in guarded["strategies"].items():
        rows.append(
            f"| strategy {name}, {guarded['fleet']} instances: peak / extra instance-minutes / "
            f"alarm → all traffic on the old model | {row['peak']} instances / "
            f"{row['extra_instance_minutes']:g} min over {row['minutes']:g} min / "
            f"{row['alarm_to_old_minutes']:g} min (rollback peak {row['rollback_peak']}) | - | - |"
        )
    return rows


def _footprint_rows(fp: dict[str, Any]) -> list[str]:
    installs = fp["installs"]
    shipped = installs.get("shipped + start-up .pyc") or installs["shipped"]
    check = fp.get("shipped_check", {})
    services = ", ".join(check.get("called", {})) or "none"
    return [
        f"| runtime dependencies installed | {shipped['megabytes']:.1f} MB ({shipped['name']}) "
        f"| plain pip install boto3 pydantic-settings rich: {installs['plain']['megabytes']:.1f} MB; "
        f"the lock unpruned: {installs['lock']['megabytes']:.1f} MB "
        f"| ≤ 25 MB: {_mark(shipped['megabytes'] <= 25)}; "
        f"{installs['plain']['megabytes'] / shipped['megabytes']:.1f}x smaller |",
        f"| ↳ nothing lost | pruned tree called {services} on the emulator: "
        f"{'ok' if check.get('ok') else 'FAILED'} | | |",
    ]


def render_table(results: dict[str, Any]) -> str:
    """The Markdown table of every measured figure, with the scale and errors noted below it."""
    lines = ["| figure | this project | baselines | ratio / target |", "|---|---|---|---|"]
    notes: list[str] = []
    if isinstance(results.get("history"), list):
        lines += _history_rows(results["history"])
    transitions = results.get("transitions") if isinstance(results.get("transitions"), dict) else None
    deploy = results.get("deploy")
    if isinstance(deploy, dict) and "readers" in deploy:
        lines += _deploy_rows(deploy, transitions if transitions and "designs" in transitions else None)
        notes.append(f"deploy timings scaled: {deploy['scale_text']}")
    if isinstance(results.get("startup"), list):
        lines += _startup_rows(results["startup"])
    if transitions and "designs" in transitions:
        lines += _transition_rows(transitions)
        notes.append(f"standard deploy: {transitions['deploy']}; time scaled {transitions['time_scale']}")
    mitigated = results.get("mitigation")
    if isinstance(mitigated, dict) and "designs" in mitigated:
        lines += _mitigation_rows(mitigated)
        notes.append(
            f"mitigation: {mitigated['deploy']}; in emulated seconds: UpdateEndpoint "
            f"{mitigated['update_seconds']:g} s, weight-only update {mitigated['weights_seconds']:g} s, "
            f"endpoint read every {mitigated['watch_seconds']:g} s; time scaled {mitigated['time_scale']}"
        )
    planned = results.get("capacity")
    if isinstance(planned, dict) and "designs" in planned:
        lines += _capacity_rows(planned)
        notes.append(f"capacity: {planned['deploy']}; time scaled {planned['time_scale']}")
    guarded = results.get("strategies")
    if isinstance(guarded, dict) and "strategies" in guarded:
        lines += _strategy_rows(guarded)
        notes.append(f"strategies: {guarded['deploy']}; time scaled {guarded['time_scale']}")
    if isinstance(results.get("footprint"), dict) and "installs" in results["footprint"]:
        lines += _footprint_rows(results["footprint"])
    for key, value in results.items():
        if isinstance(value, dict) and "error" in value:
            notes.append(f"{key}: not measured — {value['error']}")
    meta = results.get("meta", {})
    notes.append(
        f"commit {meta.get('commit', '?')}, Python {meta.get('python', '?')}, {meta.get('cpus', '?')} CPUs, "
        f"{meta.get('total_seconds', '?')} s in all"
    )
    return "\n".join(lines + [""] + [f"- {note}" for note in notes])
