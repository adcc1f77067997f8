"""kebiokg: knowledge-enhanced biomedical language models on top of the UMLS.

Importing kebiokg registers its model with transformers' Auto classes, so that
`AutoModel.from_pretrained("run/")` loads a kebiokg checkpoint. The registration imports torch
and transformers, which takes seconds: it happens at once when transformers is already imported,
else right after transformers is first imported, so commands that never touch a model (loading a
KB, querying it, annotating) start without that cost.
"""

import importlib.abc
import importlib.machinery
import sys

__version__ = "0.1.0"


def _register_models() -> None:
    importing = sys.modules.get(f"{__name__}.modeling_kebio")
    if importing is not None and not hasattr(importing, "register_auto_classes"):
        return  # transformers was first imported by modeling_kebio itself, which registers when it ends
    from .modeling_kebio import register_auto_classes

    register_auto_classes()


class _RegisterAfterTransformers(importlib.abc.MetaPathFinder):
    """Finds `transformers` as usual and registers kebiokg's models once its module has run."""

    def find_spec(self, name, path=None, target=None):
        if name != "transformers":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run_module = spec.loader.exec_module

        def exec_then_register(module) -> None:
            run_module(module)
            _register_models()

        spec.loader.exec_module = exec_then_register
        return spec


if "transformers" in sys.modules:
    _register_models()
elif not any(isinstance(finder, _RegisterAfterTransformers) for finder in sys.meta_path):
    sys.meta_path.insert(0, _RegisterAfterTransformers())
