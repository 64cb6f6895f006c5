"""What is known about each corpus the loaders read: display name, language, whether it is acted, and
its licence (from the corpora's SOURCES.md). Light on purpose: pages and model cards read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    title: str
    language: str
    acted: bool
    licence: str


SOURCES: dict[str, Source] = {
    "ravdess": Source("RAVDESS", "English (North American)", True, "CC BY-NC-SA 4.0"),
    "tess": Source("TESS", "English (Canadian)", True, "CC BY-NC-ND 4.0"),
    "savee": Source("SAVEE", "English (British)", True, "free for research"),
    "cremad": Source("CREMA-D", "English (American)", True, "ODbL 1.0"),
    "emodb": Source("EmoDB", "German", True, "free for research"),
    "ased": Source("ASED", "Amharic", True, "none stated (the authors ask for a citation)"),
    "emovo": Source("EMOVO", "Italian", True, "non-commercial use with acknowledgement"),
    "nemo": Source("nEMO", "Polish", True, "CC BY-NC-SA 4.0"),
    "turev": Source("TurEV-DB", "Turkish", True, "CC BY-NC-ND 4.0"),
    "urdu": Source("URDU", "Urdu", False, "research purposes only"),
}


def corpus_title(name: str) -> str:
    """A corpus's display name with its language (the name itself for one we do not know)."""
    source = SOURCES.get(name)
    return f"{source.title} ({source.language.split(' (')[0]})" if source else name
