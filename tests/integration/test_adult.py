"""The real Adult table from ../shared/data: schema, missing values and exact conditions."""

from synthgan import Synthesizer


def test_adult_schema(adult):
    model = Synthesizer(epochs=1, batch_size=500, seed=0, verbose=False).fit(adult)
    schema = model.schema_
    assert [c.name for c in schema.columns if c.nullable] == [
        "workclass",
        "occupation",
        "native-country",
    ]
    assert schema["education-num"].kind == "categorical"
    assert schema["fnlwgt"].kind == "integer" and schema["age"].bounds == (17.0, 90.0)
    fake = model.sample(5000, conditions={"sex": "Female", "income": ">50K"}, seed=0)
    assert ((fake["sex"] == "Female") & (fake["income"] == ">50K")).all()
    assert fake.dtypes.equals(adult.dtypes)
    assert fake["age"].between(17, 90).all()
