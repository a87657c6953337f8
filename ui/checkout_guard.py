"""Scopes this window may not edit in the shared store: one rule for the tree, the map
and every edit.

* A **checkout** (``NAME.checkout.gpkg`` beside the opened file, see
  :mod:`gridplanner.pgstore.checkout`): every node outside its scope — the
  neighbouring ring and the chain above — is read-only (the commit would refuse it);
  the status bar says whose scope it is and until when.
* A **``postgresql://`` plan** opened whole: the scopes other planners have checked
  out (the store's live leases not held by this window's author) and everything under
  them are read-only until the lease ends or is released.

An edit touching a read-only node is refused at once, in words naming it and who
holds it (:meth:`CheckoutGuard.refusal`, called by the edit session). The tree greys
those nodes with a tooltip (:meth:`CheckoutGuard.tree_tips`) and the map hatches
their areas labelled with the holder (:meth:`CheckoutGuard.areas`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import shapely

from gridplanner.editing import Edit
from gridplanner.model import Project
from gridplanner.pgstore.checkout import Scope, checkout_scope
from gridplanner.pgstore.leases import Lease, local_time
from gridplanner.ui.i18n import t


@dataclass(frozen=True)
class ReadOnlyArea:
    """One hatched area of the map: the nodes one holder keeps (lon/lat) and its label."""

    label: str
    geometry: shapely.Geometry


class CheckoutGuard:
    """The read-only rule of one opened checkout or shared-store plan."""

    def __init__(self, scope: Scope | None = None, leases: tuple[Lease, ...] = ()) -> None:
        self.scope = scope
        self.leases = leases  # other planners' live leases (a postgresql:// plan)

    @classmethod
    def for_path(cls, path: str | Path | None) -> CheckoutGuard | None:
        """The guard of the checkout at ``path`` (None: an ordinary project file)."""
        if path is None:
            return None
        scope = checkout_scope(path)
        return None if scope is None else cls(scope)

    @classmethod
    def for_database(cls, url: str, author: str) -> CheckoutGuard:
        """The guard of the plan at ``url``: scopes leased by anyone but ``author``."""
        from gridplanner.pgstore.leases import read_leases
        from gridplanner.pgstore.store import session

        with session(url) as conn:
            leases, now = read_leases(conn, with_now=True)
        return cls(None, tuple(x for x in leases if x.live(now) and x.owner != author))

    # -- which nodes --------------------------------------------------------------------
    def holders(self, project: Project) -> dict[int, str]:
        """Every read-only node of ``project`` and why, in words ("由 张三 签出至 …")."""
        nodes = project.nodes
        held: dict[int, str] = {}
        if self.scope is not None:
            why = f"{t('不在签出范围内')}（{self.scope.name}，{self.scope.owner}）"
            outside = self.scope.read_only({int(i) for i in nodes.index})
            held.update(dict.fromkeys(sorted(outside), why))
        if self.leases:
            parents = _parents(project)
            words = {x.scope_id: _lease_words(x) for x in self.leases}
            for node_id in parents:
                node: int | None = node_id
                while node is not None and node not in words:
                    node = parents.get(node)
                if node is not None:
                    held[node_id] = words[node]
        return held

    def refusal(self, edit: Edit, project: Project) -> str | None:
        """Why ``edit`` may not be made here (None: it may)."""
        held = self.holders_cache(project)
        touched = edit.touched_node_ids - set(edit.added_ids)
        outside = sorted(i for i in touched if i in held)
        if not outside:
            return None
        nodes = project.nodes
        names = [
            f"{nodes.at[i, 'name']}（{nodes.at[i, 'code']}，{held[i]}）"
            for i in outside[:3]
            if i in nodes.index
        ]
        if self.scope is not None:
            return t("只读：不在签出范围内，提交时会被拒绝") + ": " + "、".join(names)
        return t("只读：该范围已被他人签出，不能修改") + ": " + "、".join(names)

    def holders_cache(self, project: Project) -> dict[int, str]:
        """:meth:`holders`, kept while the plan's node table is the same object's size."""
        key = (id(project), len(project.nodes))
        if getattr(self, "_key", None) != key:
            self._key, self._held = key, self.holders(project)
        return self._held

    def tree_tips(self, project: Project) -> dict[int, str]:
        """The tree's read-only rows and their tooltips."""
        return dict(self.holders_cache(project))

    def areas(self, project: Project) -> list[ReadOnlyArea]:
        """The read-only areas to hatch on the map, one per holder: the topmost read-only
        nodes that hold no editable node (so a checkout's own scope stays clear)."""
        held = self.holders_cache(project)
        nodes = project.nodes
        parents = _parents(project)
        above_editable: set[int] = set()
        for node_id in parents:
            node = parents.get(node_id) if node_id not in held else None
            while node is not None and node not in above_editable:
                above_editable.add(node)
                node = parents.get(node)
        shown = {i for i in held if i not in above_editable}
        groups: dict[str, list[shapely.Geometry]] = {}
        for node_id in shown:
            if parents.get(node_id) in shown:
                continue  # its parent is painted already
            geometry = nodes.at[node_id, "geometry"]
            if geometry is not None and not geometry.is_empty:
                label = self._label(held[node_id])
                groups.setdefault(label, []).append(geometry)
        return [ReadOnlyArea(label, shapely.union_all(parts)) for label, parts in groups.items()]

    def _label(self, why: str) -> str:
        for lease in self.leases:
            if why == _lease_words(lease):
                return f"{lease.owner}（{t('已签出')}）"
        return t("只读")

    def status(self) -> str:
        """One line for the status bar."""
        if self.scope is None:
            owners = sorted({x.owner for x in self.leases})
            if not owners:
                return t("共享数据库：没有他人签出的范围")
            return f"{t('他人签出的范围只读')}: {len(self.leases)} ({'、'.join(owners)})"
        until = local_time(pd.Timestamp(self.scope.expires_at).to_pydatetime())
        return (
            f"{t('签出范围')}: {self.scope.name}（{self.scope.code}）, {self.scope.owner}, "
            f"{t('租约至')} {until}; {t('邻近范围只读')}"
        )


def _lease_words(lease: Lease) -> str:
    until = local_time(lease.expires_at if isinstance(lease.expires_at, datetime) else
                       pd.Timestamp(lease.expires_at).to_pydatetime())  # fmt: skip
    return t("由 {owner} 签出至 {until}").format(owner=lease.owner, until=until)


def _parents(project: Project) -> dict[int, int | None]:
    """Each node's parent id (None at the top), as a plain dict for quick walks."""
    nodes = project.nodes
    return {
        int(i): (None if pd.isna(p) else int(p))
        for i, p in zip(nodes.index, nodes["parent_id"], strict=True)
    }
