"""The scikit-learn estimator contract, and the class docstring's example as a doctest."""

import doctest

import pytest
from sklearn.base import clone

import synthgan.synthesizer
from synthgan import ConfigError, Fairness, Privacy, Synthesizer


def test_get_params_returns_every_constructor_parameter_deep_or_not():
    model = Synthesizer(epochs=3, privacy=Privacy(epsilon=2.0), overrides={"a": "numeric"})
    params = model.get_params(deep=True)
    assert params == model.get_params(deep=False)
    assert params["epochs"] == 3 and params["privacy"] == Privacy(epsilon=2.0)
    assert set(params) == set(Synthesizer._param_names())


def test_set_params_sets_known_parameters_and_refuses_unknown_ones():
    model = Synthesizer()
    assert model.set_params(epochs=5, seed=1) is model
    assert (model.epochs, model.seed) == (5, 1)
    with pytest.raises(ConfigError, match="no parameter.*'epoch'"):
        model.set_params(epoch=5)


def test_clone_gives_an_unfitted_copy_with_equal_parameters(fitted_mixed):
    fair = Synthesizer(fairness=Fairness("sex", "outcome"), privacy=Privacy(epsilon=1.0))
    copy = clone(fair)
    assert copy is not fair and copy.get_params() == fair.get_params()
    fitted_copy = clone(fitted_mixed)
    assert fitted_copy.get_params() == fitted_mixed.get_params()
    assert not hasattr(fitted_copy, "generator_")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"privacy": {"epsilon": 1}}, "'privacy' parameter of Synthesizer must be a synthgan"),
        ({"fairness": "sex"}, "'fairness' parameter of Synthesizer must be a synthgan"),
        ({"overrides": {1: "numeric"}}, "'overrides' parameter of Synthesizer must be a dict"),
        ({"epochs": 0}, "'epochs' parameter of Synthesizer must be None or an int"),
    ],
)
def test_parameters_set_later_are_validated_at_fit(mixed_frame, params, message):
    model = Synthesizer(verbose=False).set_params(**params)
    with pytest.raises(ConfigError, match=message):
        model.fit(mixed_frame)


def test_the_class_docstring_example_runs():
    finder = doctest.DocTestFinder()
    tests = [t for t in finder.find(synthgan.synthesizer) if t.name.endswith("Synthesizer")]
    assert tests and tests[0].examples
    runner = doctest.DocTestRunner()
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
