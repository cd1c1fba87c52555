"""Many dong kits at once (a gu's 15–20 dongs, or the city's): each all-or-nothing, one outcome per kit.

``python -m mapping load KIT_DIR [KIT_DIR …]`` takes kit folders, or folders of kit folders; a kit that
is refused (a problem in its files, or a dong outside the loader's scope) leaves the store as it was for
that dong and does not stop the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mapping.errors import MappingError, Problem, ValidationError
from mapping.kit.reader import read_kit

if TYPE_CHECKING:
    from mapping.access import User
    from mapping.store import Store
    from mapping.store.loading import LoadSummary

KIT_MARKER = "dong.geojson"
"""The file that makes a folder a kit (every kit has its dong boundary)."""


@dataclass
class KitOutcome:
    """What happened to one kit folder: loaded (with its summary) or refused (with its problems)."""

    folder: Path
    summary: LoadSummary | None = None
    problems: list[Problem] = field(default_factory=list)
    refusal: str = ""

    @property
    def loaded(self) -> bool:
        """Whether the kit is in the store now."""
        return self.summary is not None


def kit_folders(paths: Iterable[str | Path]) -> list[Path]:
    """The kit folders named by ``paths``: a kit folder itself, or each kit folder directly inside a folder.

    A path that is neither stays in the list as given, so that reading it reports what is wrong with it.

    Parameters
    ----------
    paths : iterable of str or Path
        Folders given on the command line.

    Returns
    -------
    list of Path
        Kit folders in the order given (a folder of kits in name order), each once.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        inside = sorted(p for p in path.iterdir() if (p / KIT_MARKER).is_file()) if path.is_dir() else []
        chosen = inside if inside and not (path / KIT_MARKER).is_file() else [path]
        found += [p for p in chosen if p not in found]
    return found


def load_kits(store: Store, folders: Iterable[Path], *, user: User) -> list[KitOutcome]:
    """Read, check and load each kit on its own: one refused kit changes nothing of its dong nor stops the rest.

    Parameters
    ----------
    store : Store
        Where the kits go.
    folders : iterable of Path
        Kit folders (see :func:`kit_folders`).
    user : User
        Who loads; each kit's dong must be within their scope (:func:`mapping.access.check_admin`).

    Returns
    -------
    list of KitOutcome
        One per folder, in order.
    """
    outcomes = []
    for folder in folders:
        outcome = KitOutcome(folder)
        try:
            kit = read_kit(folder)
            outcome.problems = list(kit.warnings)
            outcome.summary = store.load_kit(kit, user=user)
        except ValidationError as err:
            outcome.problems, outcome.refusal = err.problems, str(err)
        except (MappingError, PermissionError) as err:  # AccessError: a dong outside the loader's scope
            outcome.refusal = str(err)
        outcomes.append(outcome)
    return outcomes
