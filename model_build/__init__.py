"""Code the model-build CodeBuild step runs (shipped to CodeBuild as an asset)."""
