"""Rasa tokenizer for messages in Khmer, English or both (modelled on Rasa's JiebaTokenizer)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import khmer_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class KhmerLatinTokenizer(Tokenizer):
    """Khmer runs segmented by khmercut, Latin runs split on word boundaries.

    Each token's text is the exact raw substring at its offsets; its lemma is the
    normalised word (canonical Khmer character order, ASCII digits, case-folded), which
    is what featurizers and the classifier read.
    """

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return None  # any: the segmenter only acts on Khmer runs

    @staticmethod
    def required_packages() -> List[Text]:
        return ["khmercut", "khmerspell"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Rasa's standard tokenizer options; intents are single words here.
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "KhmerLatinTokenizer":
        return cls({**cls.get_default_config(), **config})

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = [Token(w.text, w.start, w.end, lemma=w.norm) for w in khmer_text.words(text)]
        return self._apply_token_pattern(tokens)
