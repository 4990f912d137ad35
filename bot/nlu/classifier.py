"""Intent classifier: TF-IDF over normalised words and character n-grams, plus a sentence
vector when the pipeline has one, into a logistic regression.

Chosen by measurement (bench/nlu_bench.py): on this data it beats Rasa's DIET and its
LogisticRegressionClassifier over count features, and trains in seconds on two cores.
The word features read the tokenizer's lemmas, so Khmer words come from khmercut; the
sentence vector is the dense sentence feature a featurizer put on the message
(bot.nlu.sentence_featurizer).
"""
from __future__ import annotations

import logging
from collections import Counter
from typing import Any, Dict, List, NamedTuple, Optional, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)
_FILE = "classifier.joblib"


class Inputs(NamedTuple):
    """What the classifier reads of one message."""

    words: str  # normalised words joined by spaces
    vector: Optional[Any] = None  # dense sentence vector (1-d numpy array), if any


def _words(inputs: Inputs) -> str:
    return inputs.words


def _vectors(rows: List[Inputs], weight: float, dim: int):
    """The sentence vectors as a sparse block, times their weight; zeros where one is missing."""
    import numpy as np
    from scipy import sparse

    block = np.zeros((len(rows), dim), dtype=np.float64)
    for i, row in enumerate(rows):
        if row.vector is not None:
            block[i] = row.vector
    return sparse.csr_matrix(block * weight)


def build_pipeline(config: Dict[Text, Any], vector_dim: int = 0):
    """The scikit-learn pipeline over a list of Inputs; sentence vectors of vector_dim if > 0."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import FunctionTransformer

    words = TfidfVectorizer(
        analyzer="word",
        preprocessor=_words,
        token_pattern=r"\S+",  # the tokenizer already decided what a word is
        ngram_range=(1, config["word_ngram_max"]),
        sublinear_tf=True,
    )
    chars = TfidfVectorizer(
        analyzer="char_wb",
        preprocessor=_words,
        ngram_range=(1, config["char_ngram_max"]),
        sublinear_tf=True,
    )
    parts = [("words", words), ("chars", chars)]
    if vector_dim and config["sentence_weight"]:
        # Both TF-IDF blocks and the vector have unit length; the weight sets how much
        # the vector counts against the exact words.
        kwargs = {"weight": config["sentence_weight"], "dim": vector_dim}
        parts.append(("sentence", FunctionTransformer(_vectors, kw_args=kwargs)))
    return Pipeline(
        [
            ("features", FeatureUnion(parts)),
            (
                "clf",
                LogisticRegression(
                    C=config["C"],
                    max_iter=config["max_iter"],
                    class_weight="balanced",
                    random_state=config["random_state"],
                ),
            ),
        ]
    )


def class_weights(labels: List[Text], config: Dict[Text, Any]) -> Dict[Text, float]:
    """Scikit-learn's "balanced" weights, with the urgent intents weighted up.

    Missing a child in danger costs far more than a false alarm (which still shows the
    right lesson after the help lines), so training pays more for urgent mistakes.
    """
    counts = Counter(labels)
    urgent = set(config["urgent_intents"])
    return {
        label: len(labels) / (len(counts) * count) * (config["urgent_weight"] if label in urgent else 1.0)
        for label, count in counts.items()
    }


def fit(pipeline, inputs: List[Inputs], labels: List[Text], config: Dict[Text, Any]):
    """Train a pipeline from build_pipeline (here and in the benchmarks, the same way)."""
    pipeline.set_params(clf__class_weight=class_weights(labels, config))
    return contiguous_weights(pipeline.fit(inputs, labels))


def contiguous_weights(pipeline):
    """Store the weights column-major, so predicting multiplies by coef_.T in place.

    Otherwise scipy copies the whole weight matrix (features x intents) for every message:
    about a third of the classifier's time per message.
    """
    import numpy as np

    clf = pipeline.named_steps["clf"]
    clf.coef_ = np.asfortranarray(clf.coef_)
    return pipeline


def message_words(message: Message) -> str:
    """The normalised words of a message, as the classifier sees them."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return " ".join(t.lemma for t in tokens if t.lemma)


def reads_inputs(pipeline) -> bool:
    """False for a model trained before the sentence vectors: it reads word strings."""
    words = dict(pipeline.named_steps["features"].transformer_list)["words"]
    return words.preprocessor is not None


def message_inputs(message: Message) -> Inputs:
    _, sentence = message.get_dense_features(TEXT)
    return Inputs(message_words(message), None if sentence is None else sentence.features.reshape(-1))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfIntentClassifier(IntentClassifier, GraphComponent):
    """Sparse word and character n-gram features with a linear classifier."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "joblib"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Word n-grams up to this length (2: words and word pairs).
            "word_ngram_max": 2,
            # Character n-grams inside word boundaries up to this length; they carry
            # misspellings and Khmer words the segmenter cut differently.
            "char_ngram_max": 4,
            # Inverse regularisation strength of the logistic regression.
            "C": 10.0,
            # Weight of the dense sentence vector against the TF-IDF blocks; 0 ignores it.
            "sentence_weight": 0.0,
            # Class weight multiplier of the intents that must not be missed.
            "urgent_intents": ["emergency", "sextortion", "nude_image_shared"],
            "urgent_weight": 1.0,
            "max_iter": 2000,
            "random_state": 42,
            # How many intents the ranking keeps (the bot's "did you mean" uses 3).
            "ranking_length": 10,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, pipeline=None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.pipeline = pipeline

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TfidfIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        # An example of only emoji or punctuation has no words: it would teach the model that
        # an empty message means its intent.
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and message_words(e)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.warning("TfidfIntentClassifier needs at least two intents; not trained.")
            return self._resource
        inputs = [message_inputs(e) for e in examples]
        dims = {len(i.vector) for i in inputs if i.vector is not None}
        if self.config["sentence_weight"] and (len(dims) != 1 or any(i.vector is None for i in inputs)):
            logger.warning("sentence_weight is set but not every example has one sentence vector "
                           "(is a dense featurizer in the pipeline?); training on words only.")
            dims = set()
        self.pipeline = fit(build_pipeline(self.config, dims.pop() if dims else 0), inputs,
                            [e.get(INTENT) for e in examples], self.config)
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.pipeline is None:
            return messages
        rows = [message_inputs(m) for m in messages]
        if not reads_inputs(self.pipeline):
            rows = [r.words for r in rows]
        probabilities = self.pipeline.predict_proba(rows)
        names = self.pipeline.classes_
        for message, row in zip(messages, probabilities):
            ranking = sorted(
                ({"name": str(n), "confidence": float(p)} for n, p in zip(names, row)),
                key=lambda r: -r["confidence"],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking[: self.config["ranking_length"]], add_to_output=True)
        return messages

    def persist(self) -> None:
        import joblib

        # joblib (pickle) rather than skops: the model is always trained on this
        # machine from the repository's data, never downloaded.
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.pipeline, directory / _FILE)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "TfidfIntentClassifier":
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                return cls(config, model_storage, resource, contiguous_weights(joblib.load(directory / _FILE)))
        except (ValueError, FileNotFoundError):
            logger.warning("No trained intent classifier in the model; intents will be empty.")
            return cls(config, model_storage, resource)
