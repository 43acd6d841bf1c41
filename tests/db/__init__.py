"""The data layer: models, migrations, the engine and its tuning."""
