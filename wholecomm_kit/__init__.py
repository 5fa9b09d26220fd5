"""Whole-COMM workshop kit: the Whole-COMM Toolbox as a workshop tool.

Data flows one way: catalogue → session → answers → analysis → output.
"""

from .catalog import Catalog, load_catalog
from .exceptions import CatalogError, InputError, KitError, Problem, SessionError, StoreError
from .records import Action, ChallengeAnswer, Response
from .session import Session, create_session, load_session
from .store import SessionStore

__all__ = [
    "Action",
    "Catalog",
    "CatalogError",
    "ChallengeAnswer",
    "InputError",
    "KitError",
    "Problem",
    "Response",
    "Session",
    "SessionError",
    "SessionStore",
    "StoreError",
    "create_session",
    "load_catalog",
    "load_session",
]
