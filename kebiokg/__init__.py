"""kebiokg: knowledge-enhanced biomedical language models on top of the UMLS.

Importing kebiokg registers its model with transformers' Auto classes, so that
`AutoModel.from_pretrained("run/")` loads a kebiokg checkpoint.
"""

__version__ = "0.1.0"


def _register_models() -> None:
    from .modeling_kebio import register_auto_classes

    register_auto_classes()


_register_models()
