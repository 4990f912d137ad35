"""A calibrated linear SVM whose confidence in each intent is that intent's own probability.

scikit-learn's CalibratedClassifierCV fits a sigmoid per intent on out-of-fold SVM scores
(Platt scaling: how likely a message with this score is this intent rather than another),
then divides each message's probabilities by their sum. The division makes a message that
fits no intent look sure of the least bad one: "i have a question about my grandson" is
talk_to_child at 0.09 by its own sigmoid and 0.55 after dividing, as sure as many clear
messages, so the fallback threshold cannot ask "did you mean" for it without asking it of
clear ones too (bench/README.md has the figures). Here each intent keeps its own
probability. They need not sum to 1; the ranking is the same as after dividing.
"""
from __future__ import annotations

import numpy as np
from sklearn.calibration import CalibratedClassifierCV


class PerIntentCalibratedClassifierCV(CalibratedClassifierCV):
    """CalibratedClassifierCV (method="sigmoid") whose predict_proba is not normalised."""

    def predict_proba(self, X):
        if len(self.classes_) == 2:
            # One sigmoid for both intents: its probabilities already sum to 1.
            return super().predict_proba(X)
        return np.mean([self._own_probabilities(c, X) for c in self.calibrated_classifiers_], axis=0)

    def _own_probabilities(self, calibrated, X):
        # Columns follow the fitted classifier's classes, which may be a subset of ours.
        linear = fitted_linear_model(calibrated)
        scores = linear.decision_function(X)
        columns = np.searchsorted(self.classes_, linear.classes_)
        probabilities = np.zeros((scores.shape[0], len(self.classes_)))
        for column, score, sigmoid in zip(columns, scores.T, calibrated.calibrators):
            probabilities[:, column] = sigmoid.predict(score)
        return probabilities


def fitted_linear_model(calibrated):
    """The SVM inside one of calibrated_classifiers_ (scikit-learn 1.1 names it base_estimator,
    later versions estimator)."""
    return getattr(calibrated, "estimator", None) or calibrated.base_estimator
