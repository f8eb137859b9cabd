"""``make bench``: this project measured side by side with the baselines it claims to beat.

Every figure is measured in one run, against the emulator started in this process
(:class:`canary.emulator.Emulator`), for this project and for its baselines alike. ``python -m bench``
prints the table and writes ``.bench/results.json``; ``docs/performance.md`` keeps the latest table.

One module per figure: :mod:`bench.history` (history read cost per poll), :mod:`bench.latency`
(event and outcome latency, API calls per minute, wall-clock overhead over a deploy),
:mod:`bench.startup` (start-up to the first AWS request), :mod:`bench.transitions` (state
transitions of a standard deploy), :mod:`bench.footprint` (installed size of the runtime
dependencies); :mod:`bench.common` holds the emulator, clients and wire meter they share.
"""
