"""``python -m sim calibrate``: history matching of a scenario's ``calibration:`` ranges
against published figures (``sim.figures``): the box (``space``), the simulator seen through
the executors and cache (``simulate``), Gaussian-process emulators (``emulator``),
implausibility (``implausibility``), the waves and the confirmed ensemble (``history``), and
the folder it writes (``tables``, ``plots``, ``outputs``, ``command``)."""
