"""sm-canary-action: canary-deploy a SageMaker endpoint through Step Functions, followed live."""

__version__ = "0.1.0"
