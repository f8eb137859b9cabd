"""The local AWS: moto server, extended where it falls short of SageMaker and Step Functions.

``Emulator`` runs moto's threaded server on 127.0.0.1 inside this process, with state machine
execution switched on and this project's extensions installed (see the sibling modules, one per
service). Tests use it through the ``emulator`` fixture; people through ``python -m canary emulator``.
"""

from canary.emulator.server import Emulator, EmulatorTimings, Published

__all__ = ["Emulator", "EmulatorTimings", "Published"]
