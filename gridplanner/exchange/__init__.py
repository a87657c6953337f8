"""Exchange: import planners' files, export the hierarchy, change sets, push, receiver.

Modules (import them directly; this package imports nothing heavy on its own):
``importing`` (with ``reading``, ``sourcecheck``, ``textcheck``, ``fieldmap``,
``import_nodes``), ``gcj02``, ``export``, ``package`` (JSON Schemas in
``gridplanner/schemas``), ``changes``, ``push`` and ``publish`` (client),
``receiver`` and ``faults`` (reference server), ``command`` (CLI).
"""
