"""The shared store: a city's plan in PostgreSQL/PostGIS for many planners at once.

The GeoPackage stays the default for one planner. A ``postgresql://`` location works
wherever a project file does (:func:`gridplanner.store.load_project` /
``save_project`` route it to :class:`~gridplanner.pgstore.store.PostGISStore`), and
planners editing one city at once check scopes out (:mod:`.checkout`), edit them —
online or not — as ordinary GeoPackages, and commit them back (:mod:`.commit`) with
optimistic concurrency: a commit that meets a row someone else changed is refused
whole, naming the rows and who changed them. See ``docs/shared_store.md``.

Modules: :mod:`.credentials` (URLs, passwords, redaction), :mod:`.schema` (tables),
:mod:`.rows` (frames in and out), :mod:`.store` (whole plans), :mod:`.area` (a scope
and its surroundings), :mod:`.leases`, :mod:`.checkout`, :mod:`.changes` (change
sets), :mod:`.apply` (the transaction), :mod:`.commit`, :mod:`.audit_area`.
"""

from gridplanner.pgstore.credentials import DatabaseError, is_database_url, public_url, redact

__all__ = ["DatabaseError", "is_database_url", "public_url", "redact"]
