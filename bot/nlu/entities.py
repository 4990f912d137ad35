"""Entity extractor for `platform` (apps and games) and `child_age`.

Platforms come from the synonym blocks in the training data (nlu_data/lookups/);
ages from number patterns in both languages. A gazetteer rather than a trained
extractor: the list of apps is short and closed, and editors can extend it without
annotating examples. Matching runs on normalised words, and every entity's span is
the raw text of whole tokens, so it falls on token boundaries as Rasa requires.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import khmer_text

_FILE = "gazetteer.json"
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "មួយ": 1, "ពីរ": 2, "បី": 3, "បួន": 4, "ប្រាំ": 5, "ប្រាំមួយ": 6, "ប្រាំពីរ": 7,
    "ប្រាំបី": 8, "ប្រាំបួន": 9, "ដប់": 10, "ដប់មួយ": 11, "ដប់ពីរ": 12, "ដប់បី": 13,
    "ដប់បួន": 14, "ដប់ប្រាំ": 15, "ដប់ប្រាំមួយ": 16, "ដប់ប្រាំពីរ": 17,
}
_NUM = r"(\d{1,2}|" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + ")"
# On the compact form (words joined without spaces), so Khmer segmentation does not matter.
_AGE_PATTERNS = [
    re.compile(rf"អាយុ(?:ទើប|ជាង|ប្រហែល)?{_NUM}"),
    re.compile(rf"{_NUM}(?:ខួប|ឆ្នាំ)"),
    re.compile(rf"{_NUM}(?:years?old|yearsold|yrsold|yearold|yo|yrs?old|y/?o)"),
    re.compile(rf"(?:aged?|age:){_NUM}(?!\d)"),
]


def _compact(words: List[khmer_text.Word]) -> Tuple[str, List[int]]:
    """Normalised words joined without spaces, and the word index of each character."""
    chars: List[str] = []
    owner: List[int] = []
    for index, word in enumerate(words):
        chars.append(word.norm)
        owner.extend([index] * len(word.norm))
    return "".join(chars), owner


def _has_khmer(text: str) -> bool:
    return khmer_text.script_share(text) > 0.5


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class GazetteerEntityExtractor(EntityExtractorMixin, GraphComponent):
    """Finds platforms by their spellings and a child's age by number patterns."""

    @staticmethod
    def required_packages() -> List[Text]:
        return ["khmercut", "khmerspell"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Synonym values that are platforms (the canonical names in nlu_data/lookups).
            "platform_entity": "platform",
            "age_entity": "child_age",
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 spellings: Optional[Dict[str, str]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.spellings = spellings or {}
        self._compile()

    def _compile(self) -> None:
        # Latin spellings must match whole words; Khmer ones may sit inside a word,
        # since the segmenter can join a name to its neighbours. Khmer ones are matched
        # on the compact form (words joined without spaces), so they are stored compact
        # too: the segmenter splits some names (តិកតុក -> "តិក តុក").
        latin = {k: v for k, v in self.spellings.items() if not _has_khmer(k)}
        self._khmer = sorted(((k.replace(" ", ""), v) for k, v in self.spellings.items() if _has_khmer(k)),
                             key=lambda kv: -len(kv[0]))
        self._latin = [(re.compile(rf"(?<!\S){re.escape(k)}(?!\S)"), v)
                       for k, v in sorted(latin.items(), key=lambda kv: -len(kv[0]))]

    @classmethod
    def create(cls, config, model_storage, resource, execution_context: ExecutionContext):
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        spellings = {}
        for variant, value in training_data.entity_synonyms.items():
            spellings[khmer_text.normalise(variant)] = value
        # A canonical name of two words (free_fire, google_meet) also counts spelled with a
        # space. One-word names count only when the synonym block lists them, so a value
        # such as `line` (listed only as "line app") does not match the ordinary word.
        for value in set(training_data.entity_synonyms.values()):
            if "_" in value:
                spellings.setdefault(khmer_text.normalise(value.replace("_", " ")), value)
        self.spellings = {k: v for k, v in spellings.items() if k}
        self._compile()
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _FILE).write_text(json.dumps(self.spellings, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config, model_storage, resource, execution_context, **kwargs: Any):
        try:
            with model_storage.read_from(resource) as directory:
                spellings = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            spellings = {}
        return cls(config, model_storage, resource, spellings)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = self.extract(message.get(TEXT) or "")
            message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)
        return messages

    def extract(self, text: str) -> List[Dict[str, Any]]:
        """Entities in a raw message, each with the raw span of whole tokens."""
        words = khmer_text.words(text)
        if not words:
            return []
        spaced = " ".join(w.norm for w in words)
        starts = []  # word index of each character of `spaced`
        for index, word in enumerate(words):
            starts.extend([index] * (len(word.norm) + 1))
        compact, owner = _compact(words)
        spans: Dict[Tuple[int, int], Tuple[str, Any]] = {}
        for pattern, value in self._latin:
            for m in pattern.finditer(spaced):
                spans.setdefault((starts[m.start()], starts[m.end() - 1]), (self.config["platform_entity"], value))
        for spelling, value in self._khmer:
            at = compact.find(spelling)
            while at >= 0:
                spans.setdefault((owner[at], owner[at + len(spelling) - 1]), (self.config["platform_entity"], value))
                at = compact.find(spelling, at + len(spelling))
        for pattern in _AGE_PATTERNS:
            for m in pattern.finditer(compact):
                if m.start() and owner[m.start() - 1] == owner[m.start()]:
                    continue  # starts inside a word: "message 5" is not "age 5", "often" has no "ten"
                number = m.group(1)
                age = int(number) if number.isdigit() else _NUMBER_WORDS[number]
                if 0 < age < 19:
                    spans.setdefault((owner[m.start(1)], owner[m.end(1) - 1]), (self.config["age_entity"], age))
        entities = []
        taken: set = set()
        for (first, last), (entity, value) in sorted(spans.items()):
            if taken & set(range(first, last + 1)):
                continue  # overlapping matches: the earlier, longer one wins
            taken.update(range(first, last + 1))
            start, end = words[first].start, words[last].end
            entities.append({"entity": entity, "start": start, "end": end, "value": value,
                             "confidence_entity": 1.0})
        return entities
