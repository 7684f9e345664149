"""Differentiable expressions as they are published, with an independent torch reference each.

Each entry is the smallest paste a user would make from a public source (PyTorch docs and
tutorials, torch.func docs, d2l.ai, JAX docs, HIPS autograd, SymPy docs): statements separated
by ';' or newlines, a `lambda`, the library's own prefixes and methods. The point is given as
vjp `--at` strings; `wrt` names the differentiated inputs (the rest are constants, like
`jacrev(f, argnums=1)` or a closure over data); `ints` names integer inputs (class targets,
indices) that are never differentiated.

`ref` is trusted test code written by hand from the library's documented meaning (never
parsed from `expr`): keyword arguments are the inputs by name. The harness differentiates it
with torch.autograd.functional.jacobian w.r.t. the `wrt` inputs. `alts` are other readings a
documented source also supports (an answer matching any of them counts as right).

Where NumPy/JAX mean something torch spells differently, the reference follows the library
the text names: np.dot of a matrix is a matrix product, np.std/jnp.std use ddof=0,
jax.nn.gelu is the tanh approximation, jax.nn.softmax reduces over axis=-1, and so on.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F  # noqa: N812 (the spelling the docs use)

from .harness import Case

Ref = Callable[..., object]


@dataclass(frozen=True)
class Entry:
    id: str
    source: str
    expr: str
    at: dict[str, str]
    ref: Ref
    wrt: tuple[str, ...] | None = None
    ints: tuple[str, ...] = ()
    dtype: str = "float64"
    alts: tuple[Ref, ...] = ()
    note: str = ""


def E(  # noqa: N802 (a table row)
    id: str,
    source: str,
    expr: str,
    at: dict[str, str],
    ref: Ref,
    wrt: str | None = None,
    ints: str = "",
    dtype: str = "float64",
    alts: tuple[Ref, ...] = (),
    note: str = "",
) -> Entry:
    return Entry(
        id,
        source,
        expr,
        at,
        ref,
        tuple(wrt.split(",")) if wrt else None,
        tuple(ints.split(",")) if ints else (),
        dtype,
        alts,
        note,
    )


# ---- sources ---------------------------------------------------------------------------------
PT = "https://docs.pytorch.org/docs/stable/generated/"
AF_JAC = PT + "torch.autograd.functional.jacobian.html"
AF_VJP = PT + "torch.autograd.functional.vjp.html"
AF_HESS = PT + "torch.autograd.functional.hessian.html"
FUNC_JACREV = PT + "torch.func.jacrev.html"
FUNC_JACFWD = PT + "torch.func.jacfwd.html"
FUNC_VJP = PT + "torch.func.vjp.html"
FUNC_JVP = PT + "torch.func.jvp.html"
FUNC_GRAD = PT + "torch.func.grad.html"
VMAP = PT + "torch.vmap.html"
TUT = "https://docs.pytorch.org/tutorials/"
BLITZ = TUT + "beginner/blitz/autograd_tutorial.html"
BASICS = TUT + "beginner/basics/autogradqs_tutorial.html"
TENSORQS = TUT + "beginner/basics/tensorqs_tutorial.html"
JACHESS = TUT + "intermediate/jacobians_hessians.html"
POLY = TUT + "beginner/examples_autograd/polynomial_autograd.html"
TWO_LAYER = "pytorch/tutorials beginner_source/examples_autograd/two_layer_net_autograd.py (Learning PyTorch with Examples, 2017-2020 edition)"
NN_TUT = TUT + "beginner/nn_tutorial.html"
D2L = "https://d2l.ai/"
D2L_AUTOGRAD = D2L + "chapter_preliminaries/autograd.html"
D2L_LINALG = D2L + "chapter_preliminaries/linear-algebra.html"
D2L_CALC = D2L + "chapter_preliminaries/calculus.html"
D2L_LINREG = D2L + "chapter_linear-regression/linear-regression.html"
D2L_LINREG_SCRATCH = D2L + "chapter_linear-regression/linear-regression-scratch.html"
D2L_SOFTMAX_SCRATCH = D2L + "chapter_linear-classification/softmax-regression-scratch.html"
D2L_SOFTMAX_CONCISE = D2L + "chapter_linear-classification/softmax-regression-concise.html"
D2L_MLP = D2L + "chapter_multilayer-perceptrons/mlp.html"
D2L_MLP_SCRATCH = D2L + "chapter_multilayer-perceptrons/mlp-implementation.html"
D2L_OPT_INTRO = D2L + "chapter_optimization/optimization-intro.html"
D2L_CONVEX = D2L + "chapter_optimization/convexity.html"
D2L_GD = D2L + "chapter_optimization/gd.html"
D2L_ATTENTION = D2L + "chapter_attention-mechanisms-and-transformers/attention-scoring-functions.html"
JAX = "https://docs.jax.dev/en/latest/"
JAX_COOKBOOK = JAX + "notebooks/autodiff_cookbook.html"
JAX_AUTODIFF = JAX + "automatic-differentiation.html"
JAX_JVP = JAX + "jacobian-vector-products.html"
JAX_CUSTOM = JAX + "notebooks/Custom_derivative_rules_for_Python_code.html"
JAX_KEY = JAX + "key-concepts.html"
JAX_THINKING = JAX + "notebooks/thinking_in_jax.html"
JAX_TRANSFORMS = "jax-ml/jax docs/new_docs/101/transformations.md"
JAX_API = JAX + "_autosummary/"
JAX_NN = JAX + "jax.nn.html"
HIPS = "https://github.com/HIPS/autograd/blob/master/"
SYMPY = "https://docs.sympy.org/latest/"
SYMPY_JAC = SYMPY + "modules/matrices/matrices.html#sympy.matrices.matrixbase.MatrixBase.jacobian"
SYMPY_DIFF = SYMPY + "modules/core.html#sympy.core.function.diff"
SYMPY_CALC = SYMPY + "tutorials/intro-tutorial/calculus.html"
SYMPY_ARRAY = SYMPY + "modules/tensor/array.html#derivatives-by-array"

# ---- shared data (from the sources where they give it) ---------------------------------------
JAX_INPUTS = "[[0.52,1.12,0.77],[0.88,-1.08,0.15],[0.52,0.06,-1.3],[0.74,-2.49,1.39]]"
JAX_TARGETS = "[1,1,0,1]"  # jnp.array([True, True, False, True]) as numbers
X22 = "[[0.5,1.0],[2.0,-1.0]]"
X23 = "[[0.5,-1.0,2.0],[1.5,0.25,-0.75]]"
V3 = "[0.3,-1.2,2.0]"
V4 = "[0.5,-1.0,1.5,2.0]"
V5 = "[0.1,0.5,1.0,2.0,-1.0]"
A33 = "[[2.0,-1.0,0.5],[1.0,3.0,-0.5],[0.0,1.0,4.0]]"
B33 = "[[1.0,0.5,-1.0],[0.25,2.0,0.0],[-1.5,1.0,1.0]]"


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * (torch.tanh(x / 2) + 1)


def hips_sigmoid(x: torch.Tensor) -> torch.Tensor:
    # HIPS autograd's logistic_regression.py defines sigmoid(x) = 0.5 * (np.tanh(x) + 1)
    return 0.5 * (torch.tanh(x) + 1)


def bce_loss(preds: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    label_probs = preds * targets + (1 - preds) * (1 - targets)
    return -torch.sum(torch.log(label_probs))


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


ENTRIES: list[Entry] = [
    # ---- torch.autograd.functional docstrings ------------------------------------------------
    E("af-jacobian-exp-reducer", AF_JAC, "x.exp().sum(dim=1)", {"x": "[[0,1],[2,0]]"}, lambda x: x.exp().sum(dim=1)),
    E(
        "af-jacobian-exp-reducer-f32",
        AF_JAC,
        "x.exp().sum(dim=1)",
        {"x": "[[0.5,1.0],[2.0,-1.0]]"},
        lambda x: x.exp().sum(dim=1),
        dtype="float32",
    ),
    E(
        "af-jacobian-exp-adder",
        AF_JAC,
        "2 * x.exp() + 3 * y",
        {"x": "[0.5,1.5]", "y": "[2.0,-1.0]"},
        lambda x, y: 2 * x.exp() + 3 * y,
    ),
    E(
        "af-jacobian-linear-model",
        AF_JAC,
        "W = torch.tensor([[2.0, -1.0], [0.0, 1.0]]); b = torch.tensor([1.0, 0.5]); x @ W.T + b",
        {"x": "[[1.0,2.0],[3.0,-1.0],[0.5,0.0]]"},
        lambda x: (
            x @ torch.tensor([[2.0, -1.0], [0.0, 1.0]], dtype=x.dtype).T + torch.tensor([1.0, 0.5], dtype=x.dtype)
        ),
    ),
    E("af-vjp-adder", AF_VJP, "2 * x + 3 * y", {"x": "[0.2,0.7]", "y": "[1.0,-3.0]"}, lambda x, y: 2 * x + 3 * y),
    E(
        "af-vjp-exp-reducer-4x4",
        AF_VJP,
        "x.exp().sum(dim=1)",
        {"x": "[[0.1,0.2,0.3,0.4],[0.5,0.6,0.7,0.8],[0.9,0.0,-0.1,-0.2],[1.0,1.1,1.2,1.3]]"},
        lambda x: x.exp().sum(dim=1),
    ),
    E("af-hessian-pow-reducer", AF_HESS, "x.pow(3).sum()", {"x": "[[1.0,2.0],[0.5,-1.0]]"}, lambda x: x.pow(3).sum()),
    E(
        "af-hessian-pow-adder-reducer",
        AF_HESS,
        "(2 * x.pow(2) + 3 * y.pow(2)).sum()",
        {"x": "[0.5,-1.0]", "y": "[2.0,0.25]"},
        lambda x, y: (2 * x.pow(2) + 3 * y.pow(2)).sum(),
    ),
    # ---- torch.func docstrings ---------------------------------------------------------------
    E("func-jacrev-torch-sin", FUNC_JACREV, "torch.sin(x)", {"x": V5}, lambda x: torch.sin(x)),
    E("func-jacrev-method-sin", FUNC_JACREV, "x.sin()", {"x": V5}, lambda x: x.sin()),
    E("func-jacrev-sin-sum", FUNC_JACREV, "x.sin().sum()", {"x": V5}, lambda x: x.sin().sum()),
    E(
        "func-jacrev-argnums-1",
        FUNC_JACREV,
        "x + y ** 2",
        {"x": V3, "y": "[1.0,-2.0,0.5]"},
        lambda x, y: x + y**2,
        wrt="y",
    ),
    E(
        "func-jacrev-argnums-0-1",
        FUNC_JACREV,
        "x + y ** 2",
        {"x": V3, "y": "[1.0,-2.0,0.5]"},
        lambda x, y: x + y**2,
        wrt="x,y",
    ),
    E(
        "func-jacfwd-lambda-argnums-1",
        FUNC_JACFWD,
        "lambda x, y: x + y ** 2",
        {"x": V3, "y": "[1.0,-2.0,0.5]"},
        lambda x, y: x + y**2,
        wrt="y",
    ),
    E("func-jacfwd-torch-sin", FUNC_JACFWD, "torch.sin(x)", {"x": "[0.0,0.5,1.0]"}, lambda x: torch.sin(x)),
    E("func-vjp-sin-sum", FUNC_VJP, "lambda x: x.sin().sum()", {"x": V5}, lambda x: x.sin().sum()),
    E(
        "func-vjp-tuple",
        FUNC_VJP,
        "lambda x: (x.sin(), x.cos())",
        {"x": V5},
        lambda x: (x.sin(), x.cos()),
    ),
    E(
        "func-vjp-matmul",
        FUNC_VJP,
        "torch.matmul(x, y)",
        {"x": "[[1.0,2.0],[0.5,-1.0],[0.0,3.0]]", "y": "[[1.0,0.0,-1.0],[2.0,0.5,1.0]]"},
        lambda x, y: torch.matmul(x, y),
    ),
    E(
        "func-jvp-literal-tensor",
        FUNC_JVP,
        "lambda x: x * torch.tensor([1.0, 2.0, 3])",
        {"x": "0.7"},
        lambda x: x * torch.tensor([1.0, 2.0, 3], dtype=x.dtype),
    ),
    E(
        "func-jvp-product",
        FUNC_JVP,
        "lambda x, y: (x * y)",
        {"x": V5, "y": "[1.0,2.0,3.0,4.0,5.0]"},
        lambda x, y: x * y,
    ),
    E("func-grad-sin", FUNC_GRAD, "lambda x: torch.sin(x)", {"x": "0.3"}, lambda x: torch.sin(x)),
    E(
        "func-grad-compute-loss",
        FUNC_GRAD,
        "y = feature_vec.dot(weights).relu(); ((y - target) ** 2).mean()",
        {"feature_vec": V5, "weights": "[0.5,0.4,0.3,0.2,-0.1]", "target": "0.25"},
        lambda feature_vec, weights, target: ((feature_vec.dot(weights).relu() - target) ** 2).mean(),
        wrt="weights",
    ),
    E(
        "func-grad-my-loss",
        FUNC_GRAD,
        "loss_per_sample = (0.5 * y_pred - y) ** 2; loss = loss_per_sample.mean()",
        {"y": "[0.1,0.2,0.3,0.4]", "y_pred": "[0.5,0.9,0.2,0.7]"},
        lambda y, y_pred: ((0.5 * y_pred - y) ** 2).mean(),
    ),
    E(
        "vmap-model",
        VMAP,
        "feature_vec.dot(weights).relu()",
        {"feature_vec": V5, "weights": "[0.5,0.4,0.3,0.2,-0.1]"},
        lambda feature_vec, weights: feature_vec.dot(weights).relu(),
        wrt="weights",
    ),
    E("vmap-square", VMAP, "lambda x: x**2", {"x": X23}, lambda x: x**2),
    # ---- PyTorch tutorials ---------------------------------------------------------------------
    E("blitz-Q", BLITZ, "Q = 3*a**3 - b**2", {"a": "[2.0,3.0]", "b": "[6.0,4.0]"}, lambda a, b: 3 * a**3 - b**2),
    E(
        "blitz-Q-float32",
        BLITZ,
        "3*a**3 - b**2",
        {"a": "[2.0,3.0]", "b": "[6.0,4.0]"},
        lambda a, b: 3 * a**3 - b**2,
        dtype="float32",
    ),
    E(
        "basics-bce-with-logits",
        BASICS,
        "z = torch.matmul(x, w)+b; loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)",
        {
            "x": "[1.0,1.0,1.0,1.0,1.0]",
            "y": "[0.0,0.0,0.0]",
            "w": "[[0.1,-0.2,0.3],[0.4,0.5,-0.6],[-0.7,0.8,0.9],[0.05,-0.15,0.25],[0.35,0.45,-0.55]]",
            "b": "[0.1,-0.1,0.2]",
        },
        lambda x, y, w, b: F.binary_cross_entropy_with_logits(torch.matmul(x, w) + b, y),
        wrt="w,b",
    ),
    E(
        "basics-z",
        BASICS,
        "z = torch.matmul(x, w)+b",
        {"x": "[1.0,1.0,1.0]", "w": "[[0.1,-0.2],[0.4,0.5],[-0.7,0.8]]", "b": "[0.1,-0.1]"},
        lambda x, w, b: torch.matmul(x, w) + b,
        wrt="w,b",
    ),
    E(
        "basics-z-detach",
        BASICS,
        "z = torch.matmul(x, w)+b; z_det = z.detach()",
        {"x": "[1.0,1.0,1.0]", "w": "[[0.1,-0.2],[0.4,0.5],[-0.7,0.8]]", "b": "[0.1,-0.1]"},
        lambda x, w, b: (torch.matmul(x, w) + b).detach(),
        wrt="w,b",
        note="the output depends on no differentiated input: a zero Jacobian",
    ),
    E(
        "basics-inp-pow-t",
        BASICS,
        "out = (inp+1).pow(2).t()",
        {"inp": "[[1.0,0.0,0.0,0.0,0.0],[0.0,1.0,0.0,0.0,0.0],[0.0,0.0,1.0,0.0,0.0],[0.0,0.0,0.0,1.0,0.0]]"},
        lambda inp: (inp + 1).pow(2).t(),
    ),
    E("tensorqs-matmul-T", TENSORQS, "y1 = tensor @ tensor.T", {"tensor": X23}, lambda tensor: tensor @ tensor.T),
    E(
        "tensorqs-matmul-method",
        TENSORQS,
        "tensor.matmul(tensor.T)",
        {"tensor": X23},
        lambda tensor: tensor.matmul(tensor.T),
    ),
    E("tensorqs-mul", TENSORQS, "z1 = tensor * tensor", {"tensor": X23}, lambda tensor: tensor * tensor),
    E("tensorqs-mul-method", TENSORQS, "tensor.mul(tensor)", {"tensor": X23}, lambda tensor: tensor.mul(tensor)),
    E("tensorqs-sum", TENSORQS, "agg = tensor.sum()", {"tensor": X23}, lambda tensor: tensor.sum()),
    E(
        "tensorqs-cat",
        TENSORQS,
        "t1 = torch.cat([tensor, tensor, tensor], dim=1)",
        {"tensor": X22},
        lambda tensor: torch.cat([tensor, tensor, tensor], dim=1),
    ),
    E(
        "jachess-predict-x",
        JACHESS,
        "F.linear(x, weight, bias).tanh()",
        {"weight": A33, "bias": "[0.1,-0.2,0.3]", "x": "[0.5,-0.25,1.0]"},
        lambda weight, bias, x: F.linear(x, weight, bias).tanh(),
        wrt="x",
    ),
    E(
        "jachess-predict-weight-bias",
        JACHESS,
        "F.linear(x, weight, bias).tanh()",
        {"weight": A33, "bias": "[0.1,-0.2,0.3]", "x": "[0.5,-0.25,1.0]"},
        lambda weight, bias, x: F.linear(x, weight, bias).tanh(),
        wrt="weight,bias",
    ),
    E(
        "jachess-predict-summed",
        JACHESS,
        "F.linear(x, weight, bias).tanh().sum(0)",
        {"weight": A33, "bias": "[0.1,-0.2,0.3]", "x": "[[0.5,-0.25,1.0],[0.1,0.2,-0.3]]"},
        lambda weight, bias, x: F.linear(x, weight, bias).tanh().sum(0),
        wrt="x",
    ),
    E(
        "polynomial-loss",
        POLY,
        "y_pred = a + b * x + c * x ** 2 + d * x ** 3\nloss = (y_pred - y).pow(2).sum()",
        {
            "a": "0.1",
            "b": "0.8",
            "c": "-0.05",
            "d": "-0.09",
            "x": "[-3.0,-1.5,0.0,1.5,3.0]",
            "y": "[-0.14,-0.99,0.0,0.99,0.14]",
        },
        lambda a, b, c, d, x, y: ((a + b * x + c * x**2 + d * x**3) - y).pow(2).sum(),
        wrt="a,b,c,d",
    ),
    E(
        "two-layer-clamp",
        TWO_LAYER,
        "y_pred = x.mm(w1).clamp(min=0).mm(w2)",
        {"x": "[[1.0,-0.5],[0.25,2.0]]", "w1": "[[0.5,-1.0,0.3],[0.2,0.4,-0.6]]", "w2": "[[1.0],[-0.5],[0.7]]"},
        lambda x, w1, w2: x.mm(w1).clamp(min=0).mm(w2),
        wrt="w1,w2",
    ),
    E(
        "two-layer-loss",
        TWO_LAYER,
        "h = x.mm(w1)\nh_relu = h.clamp(min=0)\ny_pred = h_relu.mm(w2)\nloss = (y_pred - y).pow(2).sum()",
        {
            "x": "[[1.0,-0.5],[0.25,2.0]]",
            "w1": "[[0.5,-1.0,0.3],[0.2,0.4,-0.6]]",
            "w2": "[[1.0],[-0.5],[0.7]]",
            "y": "[[0.5],[-0.25]]",
        },
        lambda x, w1, w2, y: (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum(),
        wrt="w1,w2",
    ),
    E(
        "nn-tutorial-log-softmax",
        NN_TUT,
        "x - x.exp().sum(-1).log().unsqueeze(-1)",
        {"x": X23},
        lambda x: x - x.exp().sum(-1).log().unsqueeze(-1),
    ),
    E(
        "nn-tutorial-model",
        NN_TUT,
        "x = xb @ weights + bias; x - x.exp().sum(-1).log().unsqueeze(-1)",
        {"xb": "[[1.0,0.5],[0.0,-1.0]]", "weights": "[[0.1,0.2,0.3],[-0.3,0.2,0.1]]", "bias": "[0.0,0.1,-0.1]"},
        lambda xb, weights, bias: torch.log_softmax(xb @ weights + bias, dim=-1),
        wrt="weights,bias",
        note="log_softmax(xb @ weights + bias) with the tutorial's log_softmax inlined",
    ),
    E(
        "nn-tutorial-nll",
        NN_TUT,
        "-input[range(target.shape[0]), target].mean()",
        {"input": "[[-1.2,-0.4,-2.0],[-0.3,-1.5,-1.0]]", "target": "[2,0]"},
        lambda input, target: -input[torch.arange(target.shape[0]), target].mean(),
        wrt="input",
        ints="target",
    ),
    E(
        "nn-tutorial-cross-entropy",
        NN_TUT,
        "F.cross_entropy(xb @ weights + bias, yb)",
        {
            "xb": "[[1.0,0.5],[0.0,-1.0]]",
            "weights": "[[0.1,0.2,0.3],[-0.3,0.2,0.1]]",
            "bias": "[0.0,0.1,-0.1]",
            "yb": "[1,2]",
        },
        lambda xb, weights, bias, yb: F.cross_entropy(xb @ weights + bias, yb),
        wrt="weights,bias",
        ints="yb",
    ),
    # ---- torch API reference examples ------------------------------------------------------
    E(
        "torch-clamp",
        PT + "torch.clamp.html",
        "torch.clamp(a, min=-0.5, max=0.5)",
        {"a": "[-1.7,0.2,-0.3,0.9]"},
        lambda a: torch.clamp(a, min=-0.5, max=0.5),
    ),
    E(
        "torch-clamp-min",
        PT + "torch.clamp.html",
        "torch.clamp(a, min=min)",
        {"a": "[-1.7,0.2,-0.3,0.9]", "min": "[-1.0,0.5,0.0,1.0]"},
        lambda a, min: torch.clamp(a, min=min),
        wrt="a",
    ),
    E("torch-cumsum", PT + "torch.cumsum.html", "torch.cumsum(a, dim=0)", {"a": V4}, lambda a: torch.cumsum(a, dim=0)),
    E(
        "torch-cumprod",
        PT + "torch.cumprod.html",
        "torch.cumprod(a, dim=0)",
        {"a": V4},
        lambda a: torch.cumprod(a, dim=0),
    ),
    E(
        "torch-logsumexp",
        PT + "torch.logsumexp.html",
        "torch.logsumexp(a, 1)",
        {"a": A33},
        lambda a: torch.logsumexp(a, 1),
    ),
    E(
        "torch-std",
        PT + "torch.std.html",
        "torch.std(a, dim=1, keepdim=True)",
        {"a": X23},
        lambda a: torch.std(a, dim=1, keepdim=True),
    ),
    E(
        "torch-var",
        PT + "torch.var.html",
        "torch.var(a, dim=1, keepdim=True)",
        {"a": X23},
        lambda a: torch.var(a, dim=1, keepdim=True),
    ),
    E(
        "torch-where-xy",
        PT + "torch.where.html",
        "torch.where(x > 0, x, y)",
        {"x": "[[-0.5,1.2],[0.3,-2.0],[1.0,-0.1]]", "y": "[[1.0,1.0],[1.0,1.0],[1.0,1.0]]"},
        lambda x, y: torch.where(x > 0, x, y),
    ),
    E(
        "torch-where-scalar",
        PT + "torch.where.html",
        "torch.where(x > 0, x, 0.)",
        {"x": "[[-0.5,1.2],[0.3,-2.0]]"},
        lambda x: torch.where(x > 0, x, 0.0),
    ),
    E(
        "torch-lerp",
        PT + "torch.lerp.html",
        "torch.lerp(start, end, 0.5)",
        {"start": "[1.0,2.0,3.0,4.0]", "end": "[10.0,10.0,10.0,10.0]"},
        lambda start, end: torch.lerp(start, end, 0.5),
    ),
    E(
        "torch-maximum",
        PT + "torch.maximum.html",
        "torch.maximum(a, b)",
        {"a": "[1.0,2.0,-1.0]", "b": "[3.0,0.0,4.0]"},
        lambda a, b: torch.maximum(a, b),
    ),
    E(
        "torch-minimum",
        PT + "torch.minimum.html",
        "torch.minimum(a, b)",
        {"a": "[1.0,2.0,-1.0]", "b": "[3.0,0.0,4.0]"},
        lambda a, b: torch.minimum(a, b),
    ),
    E("torch-amax", PT + "torch.amax.html", "torch.amax(a, 1)", {"a": A33}, lambda a: torch.amax(a, 1)),
    E(
        "torch-prod-dim",
        PT + "torch.prod.html",
        "torch.prod(a, 1)",
        {"a": "[[0.5,-1.0],[2.0,1.5],[0.25,4.0]]"},
        lambda a: torch.prod(a, 1),
    ),
    E("torch-rsqrt", PT + "torch.rsqrt.html", "torch.rsqrt(a)", {"a": "[0.25,1.0,4.0,2.0]"}, lambda a: torch.rsqrt(a)),
    E("torch-trace", PT + "torch.trace.html", "torch.trace(x)", {"x": A33}, lambda x: torch.trace(x)),
    E("torch-tril", PT + "torch.tril.html", "torch.tril(a)", {"a": A33}, lambda a: torch.tril(a)),
    E(
        "torch-tril-diagonal",
        PT + "torch.tril.html",
        "torch.tril(b, diagonal=1)",
        {"b": "[[1.0,2.0,3.0,4.0],[5.0,6.0,7.0,8.0],[9.0,10.0,11.0,12.0]]"},
        lambda b: torch.tril(b, diagonal=1),
    ),
    E("torch-det", PT + "torch.det.html", "torch.det(A)", {"A": A33}, lambda A: torch.det(A)),
    E("torch-logdet", PT + "torch.logdet.html", "torch.logdet(A)", {"A": A33}, lambda A: torch.logdet(A)),
    E(
        "torch-outer",
        PT + "torch.outer.html",
        "torch.outer(v1, v2)",
        {"v1": "[1.0,2.0,3.0,4.0]", "v2": "[1.0,2.0,3.0]"},
        lambda v1, v2: torch.outer(v1, v2),
    ),
    E(
        "torch-inner",
        PT + "torch.inner.html",
        "torch.inner(a, b)",
        {"a": X23, "b": "[[[1.0,0.0,2.0],[0.5,-1.0,1.0]],[[0.0,1.0,1.0],[2.0,2.0,-1.0]]]"},
        lambda a, b: torch.inner(a, b),
    ),
    E(
        "torch-kron",
        PT + "torch.kron.html",
        "torch.kron(mat1, mat2)",
        {"mat1": X22, "mat2": "[[1.0,-1.0],[0.5,2.0]]"},
        lambda mat1, mat2: torch.kron(mat1, mat2),
    ),
    E(
        "torch-cross-dim",
        PT + "torch.cross.html",
        "torch.cross(a, b, dim=1)",
        {"a": "[[1.0,2.0,3.0],[0.5,-1.0,0.0]]", "b": "[[0.0,1.0,-1.0],[2.0,0.5,1.5]]"},
        lambda a, b: torch.cross(a, b, dim=1),
    ),
    E("torch-diag-1", PT + "torch.diag.html", "torch.diag(a, 1)", {"a": V3}, lambda a: torch.diag(a, 1)),
    E("torch-diag-of-matrix", PT + "torch.diag.html", "torch.diag(a, 0)", {"a": A33}, lambda a: torch.diag(a, 0)),
    E(
        "torch-atan2",
        PT + "torch.atan2.html",
        "torch.atan2(a, b)",
        {"a": "[0.9041,0.0196,-0.3108,-2.4423]", "b": "[1.0,-0.5,0.25,2.0]"},
        lambda a, b: torch.atan2(a, b),
    ),
    E(
        "torch-dist",
        PT + "torch.dist.html",
        "torch.dist(x, y, 3.5)",
        {"x": "[-1.5393,-0.8675,0.5916,1.6321]", "y": "[0.0967,-1.0511,0.6295,0.836]"},
        lambda x, y: torch.dist(x, y, 3.5),
    ),
    E(
        "torch-xlogy",
        PT + "torch.xlogy.html",
        "torch.xlogy(x, y)",
        {"x": "[0.0,0.5,2.0]", "y": "[3.0,2.0,1.5]"},
        lambda x, y: torch.xlogy(x, y),
    ),
    E(
        "torch-einsum-outer",
        PT + "torch.einsum.html",
        "torch.einsum('i,j->ij', x, y)",
        {"x": V4, "y": V3},
        lambda x, y: torch.einsum("i,j->ij", x, y),
    ),
    E(
        "torch-einsum-trace",
        PT + "torch.einsum.html",
        "torch.einsum('ii', A)",
        {"A": A33},
        lambda A: torch.einsum("ii", A),
    ),
    E(
        "torch-einsum-diagonal",
        PT + "torch.einsum.html",
        "torch.einsum('ii->i', A)",
        {"A": A33},
        lambda A: torch.einsum("ii->i", A),
    ),
    E(
        "torch-einsum-bmm",
        PT + "torch.einsum.html",
        "torch.einsum('bij,bjk->bik', As, Bs)",
        {
            "As": "[[[1.0,2.0],[0.0,1.0]],[[0.5,-1.0],[2.0,1.0]]]",
            "Bs": "[[[1.0,0.0],[0.5,2.0]],[[1.0,1.0],[-1.0,0.5]]]",
        },
        lambda As, Bs: torch.einsum("bij,bjk->bik", As, Bs),
    ),
    E(
        "torch-norm",
        PT + "torch.norm.html",
        "torch.norm(a)",
        {"a": "[-4.0,-3.0,-2.0,-1.0,0.0,1.0,2.0,3.0,4.0]"},
        lambda a: torch.norm(a),
    ),
    E(
        "torch-norm-dim",
        PT + "torch.norm.html",
        "torch.norm(c, dim=1)",
        {"c": "[[1.0,2.0,3.0],[-1.0,1.0,4.0]]"},
        lambda c: torch.norm(c, dim=1),
    ),
    E(
        "torch-norm-p1-dim",
        PT + "torch.norm.html",
        "torch.norm(c, p=1, dim=1)",
        {"c": "[[1.0,2.0,3.0],[-1.0,1.0,4.0]]"},
        lambda c: torch.norm(c, p=1, dim=1),
    ),
    E(
        "torch-stack",
        PT + "torch.stack.html",
        "torch.stack((x, x), dim=1)",
        {"x": X23},
        lambda x: torch.stack((x, x), dim=1),
    ),
    E("torch-frac", PT + "torch.frac.html", "torch.frac(x)", {"x": "[1.25,2.5,-3.2]"}, lambda x: torch.frac(x)),
    E("torch-lgamma", PT + "torch.lgamma.html", "torch.lgamma(a)", {"a": "[0.5,1.5,3.0]"}, lambda a: torch.lgamma(a)),
    E(
        "special-expit",
        PT + "torch.special.expit.html",
        "torch.special.expit(t)",
        {"t": V4},
        lambda t: torch.special.expit(t),
    ),
    E(
        "special-logit",
        PT + "torch.special.logit.html",
        "torch.special.logit(a, eps=1e-6)",
        {"a": "[0.2796,0.9331,0.6486,0.1523]"},
        lambda a: torch.special.logit(a, eps=1e-6),
    ),
    E(
        "special-xlog1py",
        PT + "torch.special.xlog1py.html",
        "torch.special.xlog1py(x, y)",
        {"x": "[1.0,2.0,3.0,4.0,5.0]", "y": "[3.0,2.0,1.0,0.0,-0.5]"},
        lambda x, y: torch.special.xlog1py(x, y),
    ),
    E(
        "special-xlog1py-scalar",
        PT + "torch.special.xlog1py.html",
        "torch.special.xlog1py(x, 4)",
        {"x": "[1.0,2.0,3.0]"},
        lambda x: torch.special.xlog1py(x, 4),
    ),
    E(
        "special-entr",
        PT + "torch.special.entr.html",
        "torch.special.entr(a)",
        {"a": "[0.5,1.0,2.0]"},
        lambda a: torch.special.entr(a),
    ),
    E(
        "special-sinc",
        PT + "torch.special.sinc.html",
        "torch.special.sinc(t)",
        {"t": "[0.25,-0.6,1.3,2.2]"},
        lambda t: torch.special.sinc(t),
    ),
    E(
        "special-softmax",
        PT + "torch.special.softmax.html",
        "torch.special.softmax(t, 0)",
        {"t": X22},
        lambda t: torch.special.softmax(t, 0),
    ),
    E(
        "special-log-softmax",
        PT + "torch.special.log_softmax.html",
        "torch.special.log_softmax(t, 0)",
        {"t": X22},
        lambda t: torch.special.log_softmax(t, 0),
    ),
    E("linalg-det", PT + "torch.linalg.det.html", "torch.linalg.det(A)", {"A": A33}, lambda A: torch.linalg.det(A)),
    E(
        "linalg-inv",
        PT + "torch.linalg.inv.html",
        "Ainv = torch.linalg.inv(A)",
        {"A": A33},
        lambda A: torch.linalg.inv(A),
    ),
    E(
        "linalg-solve",
        PT + "torch.linalg.solve.html",
        "x = torch.linalg.solve(A, b)",
        {"A": A33, "b": V3},
        lambda A, b: torch.linalg.solve(A, b),
    ),
    E(
        "linalg-matrix-exp",
        PT + "torch.linalg.matrix_exp.html",
        "torch.linalg.matrix_exp(A)",
        {"A": "[[0.0,1.0],[-1.0,0.5]]"},
        lambda A: torch.linalg.matrix_exp(A),
    ),
    E(
        "linalg-cross",
        PT + "torch.linalg.cross.html",
        "torch.linalg.cross(a, b)",
        {"a": "[[1.0,2.0,3.0],[0.5,-1.0,0.0]]", "b": "[[0.0,1.0,-1.0],[2.0,0.5,1.5]]"},
        lambda a, b: torch.linalg.cross(a, b),
    ),
    E(
        "linalg-norm-residual",
        PT + "torch.linalg.solve.html",
        "torch.linalg.norm(A @ X - B)",
        {"A": X22, "X": "[[1.0,0.0],[0.5,-1.0]]", "B": "[[1.0,1.0],[1.0,1.0]]"},
        lambda A, X, B: torch.linalg.norm(A @ X - B),
        wrt="X",
    ),
    E(
        "linalg-norm-matrix-2",
        PT + "torch.linalg.norm.html",
        "torch.linalg.norm(B, 2)",
        {"B": "[[-4.0,-3.0,-2.0],[-1.0,0.0,1.0],[2.0,3.0,4.5]]"},
        lambda B: torch.linalg.norm(B, 2),
        note="spectral norm (largest singular value), unlike torch.norm(B, 2)",
    ),
    E(
        "linalg-vector-norm",
        PT + "torch.linalg.vector_norm.html",
        "torch.linalg.vector_norm(a, ord=3.5)",
        {"a": "[-4.0,-3.0,-2.0,-1.0,0.5,1.0,2.0,3.0,4.0]"},
        lambda a: torch.linalg.vector_norm(a, ord=3.5),
    ),
    # ---- torch.nn.functional reference ----------------------------------------------------------
    E(
        "F-nll-loss",
        PT + "torch.nn.functional.nll_loss.html",
        "F.nll_loss(F.log_softmax(input, dim=1), target)",
        {"input": "[[0.1,-0.2,0.3,0.5,-1.0],[1.0,0.0,-0.5,0.2,0.4],[-0.3,0.6,0.9,-1.2,0.0]]", "target": "[1,0,4]"},
        lambda input, target: F.nll_loss(F.log_softmax(input, dim=1), target),
        wrt="input",
        ints="target",
    ),
    E(
        "F-cross-entropy-indices",
        PT + "torch.nn.functional.cross_entropy.html",
        "F.cross_entropy(input, target)",
        {"input": "[[0.1,-0.2,0.3,0.5,-1.0],[1.0,0.0,-0.5,0.2,0.4],[-0.3,0.6,0.9,-1.2,0.0]]", "target": "[4,1,2]"},
        lambda input, target: F.cross_entropy(input, target),
        wrt="input",
        ints="target",
    ),
    E(
        "F-cross-entropy-probabilities",
        PT + "torch.nn.functional.cross_entropy.html",
        "F.cross_entropy(input, target)",
        {
            "input": "[[0.1,-0.2,0.3,0.5,-1.0],[1.0,0.0,-0.5,0.2,0.4],[-0.3,0.6,0.9,-1.2,0.0]]",
            "target": "[[0.1,0.2,0.3,0.2,0.2],[0.5,0.1,0.1,0.1,0.2],[0.0,0.0,1.0,0.0,0.0]]",
        },
        lambda input, target: F.cross_entropy(input, target),
        wrt="input",
    ),
    E(
        "F-binary-cross-entropy",
        PT + "torch.nn.functional.binary_cross_entropy.html",
        "F.binary_cross_entropy(torch.sigmoid(input), target)",
        {"input": "[[0.5,-1.0],[2.0,0.1],[-0.3,0.7]]", "target": "[[0.9,0.2],[0.5,0.0],[1.0,0.3]]"},
        lambda input, target: F.binary_cross_entropy(torch.sigmoid(input), target),
        wrt="input",
    ),
    E(
        "F-bce-with-logits",
        PT + "torch.nn.functional.binary_cross_entropy_with_logits.html",
        "F.binary_cross_entropy_with_logits(input, target)",
        {"input": "[0.5,-1.0,2.0]", "target": "[1.0,0.0,1.0]"},
        lambda input, target: F.binary_cross_entropy_with_logits(input, target),
        wrt="input",
    ),
    E(
        "F-kl-div-batchmean",
        PT + "torch.nn.KLDivLoss.html",
        'F.kl_div(F.log_softmax(input, dim=1), target, reduction="batchmean")',
        {"input": "[[0.1,-0.2,0.3],[1.0,0.0,-0.5]]", "target": "[[0.2,0.3,0.5],[0.6,0.3,0.1]]"},
        lambda input, target: F.kl_div(F.log_softmax(input, dim=1), target, reduction="batchmean"),
        wrt="input",
    ),
    E(
        "F-kl-div-log-target",
        PT + "torch.nn.KLDivLoss.html",
        'F.kl_div(input, log_target, reduction="batchmean", log_target=True)',
        {"input": "[[-1.2,-0.9,-1.3],[-0.5,-1.6,-1.4]]", "log_target": "[[-1.6,-1.2,-0.7],[-0.5,-1.2,-2.3]]"},
        lambda input, log_target: F.kl_div(input, log_target, reduction="batchmean", log_target=True),
    ),
    E(
        "F-cosine-similarity",
        PT + "torch.nn.functional.cosine_similarity.html",
        "F.cosine_similarity(input1, input2)",
        {"input1": "[[1.0,2.0,0.5],[0.0,-1.0,3.0]]", "input2": "[[0.5,0.5,1.0],[1.0,2.0,-1.0]]"},
        lambda input1, input2: F.cosine_similarity(input1, input2),
    ),
    E(
        "F-pairwise-distance",
        PT + "torch.nn.PairwiseDistance.html",
        "F.pairwise_distance(input1, input2, p=2)",
        {"input1": "[[1.0,2.0,0.5],[0.0,-1.0,3.0]]", "input2": "[[0.5,0.5,1.0],[1.0,2.0,-1.0]]"},
        lambda input1, input2: F.pairwise_distance(input1, input2, p=2),
    ),
    E(
        "F-gelu-tanh",
        PT + "torch.nn.functional.gelu.html",
        "F.gelu(x, approximate='tanh')",
        {"x": V5},
        lambda x: F.gelu(x, approximate="tanh"),
    ),
    E("F-gelu", PT + "torch.nn.functional.gelu.html", "F.gelu(x)", {"x": V5}, lambda x: F.gelu(x)),
    E(
        "F-softmax-dim",
        PT + "torch.nn.functional.softmax.html",
        "F.softmax(x, dim=1)",
        {"x": X23},
        lambda x: F.softmax(x, dim=1),
    ),
    E(
        "F-log-softmax-dim",
        PT + "torch.nn.functional.log_softmax.html",
        "F.log_softmax(x, dim=-1)",
        {"x": X23},
        lambda x: F.log_softmax(x, dim=-1),
    ),
    E(
        "F-softmin",
        PT + "torch.nn.functional.softmin.html",
        "F.softmin(x, dim=1)",
        {"x": X23},
        lambda x: F.softmin(x, dim=1),
    ),
    E(
        "F-leaky-relu",
        PT + "torch.nn.functional.leaky_relu.html",
        "F.leaky_relu(x, negative_slope=0.2)",
        {"x": V5},
        lambda x: F.leaky_relu(x, negative_slope=0.2),
    ),
    E("F-elu", PT + "torch.nn.functional.elu.html", "F.elu(x, alpha=1.5)", {"x": V5}, lambda x: F.elu(x, alpha=1.5)),
    E("F-selu", PT + "torch.nn.functional.selu.html", "F.selu(x)", {"x": V5}, lambda x: F.selu(x)),
    E(
        "F-celu",
        PT + "torch.nn.functional.celu.html",
        "F.celu(x, alpha=0.5)",
        {"x": V5},
        lambda x: F.celu(x, alpha=0.5),
    ),
    E("F-silu", PT + "torch.nn.functional.silu.html", "F.silu(x)", {"x": V5}, lambda x: F.silu(x)),
    E("F-mish", PT + "torch.nn.functional.mish.html", "F.mish(x)", {"x": V5}, lambda x: F.mish(x)),
    E(
        "F-softplus-beta",
        PT + "torch.nn.functional.softplus.html",
        "F.softplus(x, beta=2)",
        {"x": V5},
        lambda x: F.softplus(x, beta=2),
    ),
    E("F-softsign", PT + "torch.nn.functional.softsign.html", "F.softsign(x)", {"x": V5}, lambda x: F.softsign(x)),
    E(
        "F-logsigmoid",
        PT + "torch.nn.functional.logsigmoid.html",
        "F.logsigmoid(x)",
        {"x": V5},
        lambda x: F.logsigmoid(x),
    ),
    E(
        "F-hardtanh",
        PT + "torch.nn.functional.hardtanh.html",
        "F.hardtanh(x, -0.5, 0.75)",
        {"x": V5},
        lambda x: F.hardtanh(x, -0.5, 0.75),
    ),
    E(
        "F-hardswish",
        PT + "torch.nn.functional.hardswish.html",
        "F.hardswish(x)",
        {"x": "[-4.0,-1.0,0.5,2.0,3.5]"},
        lambda x: F.hardswish(x),
    ),
    E(
        "F-relu6",
        PT + "torch.nn.functional.relu6.html",
        "F.relu6(x)",
        {"x": "[-1.0,0.5,3.0,6.5]"},
        lambda x: F.relu6(x),
    ),
    E(
        "F-normalize",
        PT + "torch.nn.functional.normalize.html",
        "F.normalize(x, p=2.0, dim=1)",
        {"x": X23},
        lambda x: F.normalize(x, p=2.0, dim=1),
    ),
    E(
        "F-layer-norm",
        PT + "torch.nn.functional.layer_norm.html",
        "F.layer_norm(x, (3,))",
        {"x": X23},
        lambda x: F.layer_norm(x, (3,)),
    ),
    E(
        "F-layer-norm-affine",
        PT + "torch.nn.functional.layer_norm.html",
        "F.layer_norm(x, normalized_shape=(3,), weight=w, bias=b, eps=1e-5)",
        {"x": X23, "w": "[1.0,0.5,2.0]", "b": "[0.0,0.1,-0.1]"},
        lambda x, w, b: F.layer_norm(x, normalized_shape=(3,), weight=w, bias=b, eps=1e-5),
    ),
    E(
        "F-bilinear",
        PT + "torch.nn.functional.bilinear.html",
        "F.bilinear(input1, input2, weight, bias)",
        {
            "input1": "[[1.0,0.5]]",
            "input2": "[[0.2,-1.0,2.0]]",
            "weight": "[[[1.0,0.0,0.5],[0.5,1.0,-1.0]],[[0.2,0.3,0.4],[-0.1,0.0,1.0]]]",
            "bias": "[0.1,-0.1]",
        },
        lambda input1, input2, weight, bias: F.bilinear(input1, input2, weight, bias),
    ),
    E(
        "F-mse-loss",
        PT + "torch.nn.functional.mse_loss.html",
        "F.mse_loss(input, target)",
        {"input": V4, "target": "[0.0,0.0,1.0,1.0]"},
        lambda input, target: F.mse_loss(input, target),
        wrt="input",
    ),
    E(
        "F-l1-loss-sum",
        PT + "torch.nn.functional.l1_loss.html",
        "F.l1_loss(input, target, reduction='sum')",
        {"input": V4, "target": "[0.0,0.0,1.0,1.0]"},
        lambda input, target: F.l1_loss(input, target, reduction="sum"),
        wrt="input",
    ),
    E(
        "F-smooth-l1-loss",
        PT + "torch.nn.functional.smooth_l1_loss.html",
        "F.smooth_l1_loss(input, target, beta=0.5)",
        {"input": V4, "target": "[0.0,0.0,1.0,1.0]"},
        lambda input, target: F.smooth_l1_loss(input, target, beta=0.5),
        wrt="input",
    ),
    E(
        "F-huber-loss",
        PT + "torch.nn.functional.huber_loss.html",
        "F.huber_loss(input, target, reduction='none', delta=0.75)",
        {"input": V4, "target": "[0.0,0.0,1.0,1.0]"},
        lambda input, target: F.huber_loss(input, target, reduction="none", delta=0.75),
        wrt="input",
    ),
    # ---- d2l.ai ------------------------------------------------------------------------------
    E("d2l-dot", D2L_AUTOGRAD, "y = 2 * torch.dot(x, x)", {"x": "[0.0,1.0,2.0,3.0]"}, lambda x: 2 * torch.dot(x, x)),
    E("d2l-sum", D2L_AUTOGRAD, "y = x.sum()", {"x": "[0.0,1.0,2.0,3.0]"}, lambda x: x.sum()),
    E("d2l-nonscalar", D2L_AUTOGRAD, "y = x * x", {"x": "[0.0,1.0,2.0,3.0]"}, lambda x: x * x),
    E(
        "d2l-detach",
        D2L_AUTOGRAD,
        "y = x * x; u = y.detach(); z = u * x",
        {"x": "[0.0,1.0,2.0,3.0]"},
        lambda x: (x * x).detach() * x,
    ),
    E(
        "d2l-detach-lines-sum",
        D2L_AUTOGRAD,
        "y = x * x\nu = y.detach()\nz = u * x\nz.sum()",
        {"x": "[0.0,1.0,2.0,3.0]"},
        lambda x: ((x * x).detach() * x).sum(),
    ),
    E(
        "d2l-jax-dot",
        D2L_AUTOGRAD,
        "lambda x: 2 * jnp.dot(x, x)",
        {"x": "[0.0,1.0,2.0,3.0]"},
        lambda x: 2 * torch.dot(x, x),
    ),
    E("d2l-jax-sum", D2L_AUTOGRAD, "lambda x: x.sum()", {"x": "[0.0,1.0,2.0,3.0]"}, lambda x: x.sum()),
    E(
        "d2l-jax-stop-gradient",
        D2L_AUTOGRAD,
        "y = x * x; u = jax.lax.stop_gradient(y); z = u * x",
        {"x": "[0.0,1.0,2.0,3.0]"},
        lambda x: (x * x).detach() * x,
    ),
    E(
        "d2l-mxnet-np-dot",
        D2L_AUTOGRAD,
        "y = 2 * np.dot(x, x)",
        {"x": "[0.0,1.0,2.0,3.0]"},
        lambda x: 2 * torch.dot(x, x),
    ),
    E(
        "d2l-softmax",
        D2L_SOFTMAX_SCRATCH,
        "X_exp = torch.exp(X); partition = X_exp.sum(1, keepdims=True); X_exp / partition",
        {"X": "[[1.0,2.0,3.0],[4.0,5.0,6.0]]"},
        lambda X: torch.softmax(X, dim=1),
    ),
    E(
        "d2l-softmax-jax",
        D2L_SOFTMAX_SCRATCH,
        "X_exp = jnp.exp(X)\npartition = X_exp.sum(1, keepdims=True)\nX_exp / partition",
        {"X": "[[1.0,2.0,3.0],[4.0,5.0,6.0]]"},
        lambda X: torch.softmax(X, dim=1),
    ),
    E(
        "d2l-cross-entropy",
        D2L_SOFTMAX_SCRATCH,
        "-torch.log(y_hat[list(range(len(y_hat))), y]).mean()",
        {"y_hat": "[[0.1,0.3,0.6],[0.3,0.2,0.5]]", "y": "[0,2]"},
        lambda y_hat, y: -torch.log(y_hat[torch.arange(y_hat.shape[0]), y]).mean(),
        wrt="y_hat",
        ints="y",
    ),
    E(
        "d2l-pick",
        D2L_SOFTMAX_SCRATCH,
        "y_hat[[0, 1], y]",
        {"y_hat": "[[0.1,0.3,0.6],[0.3,0.2,0.5]]", "y": "[0,2]"},
        lambda y_hat, y: y_hat[[0, 1], y],
        wrt="y_hat",
        ints="y",
    ),
    E(
        "d2l-softmax-forward",
        D2L_SOFTMAX_SCRATCH,
        "X = X.reshape((-1, W.shape[0])); X_exp = torch.exp(torch.matmul(X, W) + b); X_exp / X_exp.sum(1, keepdims=True)",
        {"X": "[[1.0,0.5],[0.0,-1.0]]", "W": "[[0.1,0.2,0.3],[-0.3,0.2,0.1]]", "b": "[0.0,0.1,-0.1]"},
        lambda X, W, b: torch.softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b, dim=1),
        wrt="W,b",
        note="rebinds the input name X",
    ),
    E(
        "d2l-linreg-forward",
        D2L_LINREG_SCRATCH,
        "torch.matmul(X, w) + b",
        {"X": "[[1.0,2.0],[0.5,-1.0],[3.0,0.0]]", "w": "[[0.5],[-0.25]]", "b": "[0.1]"},
        lambda X, w, b: torch.matmul(X, w) + b,
        wrt="w,b",
    ),
    E(
        "d2l-linreg-loss",
        D2L_LINREG_SCRATCH,
        "l = (y_hat - y) ** 2 / 2; l.mean()",
        {"y_hat": "[[0.5],[1.5],[-0.5]]", "y": "[[1.0],[1.0],[0.0]]"},
        lambda y_hat, y: ((y_hat - y) ** 2 / 2).mean(),
        wrt="y_hat",
    ),
    E(
        "d2l-squared-loss-reshape",
        D2L_LINREG_SCRATCH,
        "(y_hat - y.reshape(y_hat.shape)) ** 2 / 2",
        {"y_hat": "[[0.5],[1.5],[-0.5]]", "y": "[1.0,1.0,0.0]"},
        lambda y_hat, y: (y_hat - y.reshape(y_hat.shape)) ** 2 / 2,
        wrt="y_hat",
    ),
    E(
        "d2l-normal",
        D2L_LINREG,
        "p = 1 / math.sqrt(2 * math.pi * sigma**2); p * np.exp(-0.5 * (x - mu)**2 / sigma**2)",
        {"x": "[-1.0,0.0,0.5,2.0]", "mu": "0.5", "sigma": "1.5"},
        lambda x, mu, sigma: (
            1 / math.sqrt(2 * math.pi * float(sigma) ** 2) * torch.exp(-0.5 * (x - mu) ** 2 / sigma**2)
        ),
        wrt="x",
    ),
    E(
        "d2l-mlp-forward",
        D2L_MLP_SCRATCH,
        "H = relu(torch.matmul(X, W1) + b1); torch.matmul(H, W2) + b2",
        {
            "X": "[[1.0,0.5,-1.0],[0.0,2.0,1.0]]",
            "W1": "[[0.1,-0.2,0.3,0.4],[0.5,0.1,-0.3,0.2],[-0.4,0.3,0.2,-0.1]]",
            "b1": "[0.05,0.1,-0.05,0.2]",
            "W2": "[[0.3,-0.1],[0.2,0.4],[-0.5,0.1],[0.1,0.2]]",
            "b2": "[0.0,0.1]",
        },
        lambda X, W1, b1, W2, b2: torch.matmul(torch.relu(torch.matmul(X, W1) + b1), W2) + b2,
        wrt="W1,b1,W2,b2",
    ),
    E(
        "d2l-relu-max",
        D2L_MLP_SCRATCH,
        "a = torch.zeros_like(X); torch.max(X, a)",
        {"X": "[[-1.0,0.5],[2.0,-0.25]]"},
        lambda X: torch.maximum(X, torch.zeros_like(X)),
        note="torch.max with a tensor second argument is the elementwise maximum",
    ),
    E("d2l-mlp-relu", D2L_MLP, "y = torch.relu(x)", {"x": "[-8.0,-0.5,0.5,7.9]"}, lambda x: torch.relu(x)),
    E("d2l-mlp-sigmoid", D2L_MLP, "y = torch.sigmoid(x)", {"x": "[-8.0,-0.5,0.5,7.9]"}, lambda x: torch.sigmoid(x)),
    E("d2l-mlp-tanh", D2L_MLP, "y = torch.tanh(x)", {"x": "[-8.0,-0.5,0.5,7.9]"}, lambda x: torch.tanh(x)),
    E("d2l-mlp-jax-relu", D2L_MLP, "y = jax.nn.relu(x)", {"x": "[-8.0,-0.5,0.5,7.9]"}, lambda x: torch.relu(x)),
    E(
        "d2l-mlp-jax-sigmoid",
        D2L_MLP,
        "y = jax.nn.sigmoid(x)",
        {"x": "[-8.0,-0.5,0.5,7.9]"},
        lambda x: torch.sigmoid(x),
    ),
    E("d2l-mlp-jax-tanh", D2L_MLP, "y = jax.nn.tanh(x)", {"x": "[-8.0,-0.5,0.5,7.9]"}, lambda x: torch.tanh(x)),
    E(
        "d2l-cross-entropy-concise",
        D2L_SOFTMAX_CONCISE,
        "F.cross_entropy(Y_hat, Y, reduction='mean')",
        {"Y_hat": "[[0.1,-0.2,0.3],[1.0,0.0,-0.5]]", "Y": "[2,0]"},
        lambda Y_hat, Y: F.cross_entropy(Y_hat, Y, reduction="mean"),
        wrt="Y_hat",
        ints="Y",
    ),
    E(
        "d2l-cross-entropy-none",
        D2L_SOFTMAX_CONCISE,
        "F.cross_entropy(Y_hat, Y, reduction='none')",
        {"Y_hat": "[[0.1,-0.2,0.3],[1.0,0.0,-0.5]]", "Y": "[2,0]"},
        lambda Y_hat, Y: F.cross_entropy(Y_hat, Y, reduction="none"),
        wrt="Y_hat",
        ints="Y",
    ),
    E("d2l-calculus-f", D2L_CALC, "3 * x ** 2 - 4 * x", {"x": "1.0"}, lambda x: 3 * x**2 - 4 * x),
    E(
        "d2l-scalar-ops",
        D2L_LINALG,
        "x + y, x * y, x / y, x**y",
        {"x": "3.0", "y": "2.0"},
        lambda x, y: (x + y, x * y, x / y, x**y),
    ),
    E("d2l-sum-axis0", D2L_LINALG, "A.sum(axis=0)", {"A": X23}, lambda A: A.sum(dim=0)),
    E("d2l-sum-axis01", D2L_LINALG, "A.sum(axis=[0, 1])", {"A": X23}, lambda A: A.sum()),
    E("d2l-mean-numel", D2L_LINALG, "A.sum() / A.numel()", {"A": X23}, lambda A: A.mean()),
    E("d2l-mean-axis0", D2L_LINALG, "A.mean(axis=0)", {"A": X23}, lambda A: A.mean(dim=0)),
    E("d2l-sum-over-shape", D2L_LINALG, "A.sum(axis=0) / A.shape[0]", {"A": X23}, lambda A: A.sum(dim=0) / A.shape[0]),
    E(
        "d2l-sum-keepdims",
        D2L_LINALG,
        "sum_A = A.sum(axis=1, keepdims=True); A / sum_A",
        {"A": "[[0.5,1.0,2.0],[1.5,0.25,0.75]]"},
        lambda A: A / A.sum(dim=1, keepdim=True),
    ),
    E("d2l-cumsum-axis", D2L_LINALG, "A.cumsum(axis=0)", {"A": X23}, lambda A: A.cumsum(dim=0)),
    E("d2l-dot-xy", D2L_LINALG, "torch.dot(x, y)", {"x": V3, "y": "[1.0,1.0,1.0]"}, lambda x, y: torch.dot(x, y)),
    E("d2l-sum-xy", D2L_LINALG, "torch.sum(x * y)", {"x": V3, "y": "[1.0,1.0,1.0]"}, lambda x, y: torch.sum(x * y)),
    E("d2l-mv", D2L_LINALG, "torch.mv(A, x)", {"A": X23, "x": V3}, lambda A, x: torch.mv(A, x)),
    E("d2l-matvec-at", D2L_LINALG, "A@x", {"A": X23, "x": V3}, lambda A, x: A @ x),
    E("d2l-mm", D2L_LINALG, "torch.mm(A, B)", {"A": X23, "B": A33}, lambda A, B: torch.mm(A, B)),
    E("d2l-hadamard", D2L_LINALG, "A * B", {"A": X23, "B": "[[1.0,2.0,3.0],[4.0,5.0,6.0]]"}, lambda A, B: A * B),
    E("d2l-transpose", D2L_LINALG, "A.T", {"A": X23}, lambda A: A.T),
    E("d2l-norm", D2L_LINALG, "torch.norm(u)", {"u": "[3.0,-4.0]"}, lambda u: torch.norm(u)),
    E("d2l-l1", D2L_LINALG, "torch.abs(u).sum()", {"u": "[3.0,-4.0]"}, lambda u: torch.abs(u).sum()),
    E("d2l-frobenius", D2L_LINALG, "torch.norm(X)", {"X": X23}, lambda X: torch.norm(X)),
    # ---- JAX docs ------------------------------------------------------------------------------
    E("jax-tanh", JAX_COOKBOOK, "jnp.tanh(x)", {"x": "2.0"}, lambda x: torch.tanh(x)),
    E(
        "jax-predict-W",
        JAX_COOKBOOK,
        "sigmoid(jnp.dot(inputs, W) + b)",
        {"inputs": JAX_INPUTS, "W": "[0.1,0.4,-0.3]", "b": "0.2"},
        lambda inputs, W, b: sigmoid(inputs @ W + b),
        wrt="W",
    ),
    E(
        "jax-predict-inline-sigmoid",
        JAX_COOKBOOK,
        "0.5 * (jnp.tanh((jnp.dot(inputs, W) + b) / 2) + 1)",
        {"inputs": JAX_INPUTS, "W": "[0.1,0.4,-0.3]", "b": "0.2"},
        lambda inputs, W, b: sigmoid(inputs @ W + b),
        wrt="W,b",
    ),
    E(
        "jax-loss",
        JAX_COOKBOOK,
        "preds = sigmoid(jnp.dot(inputs, W) + b)\n"
        "label_probs = preds * targets + (1 - preds) * (1 - targets)\n"
        "-jnp.sum(jnp.log(label_probs))",
        {"inputs": JAX_INPUTS, "targets": JAX_TARGETS, "W": "[0.1,0.4,-0.3]", "b": "0.2"},
        lambda inputs, targets, W, b: bce_loss(sigmoid(inputs @ W + b), targets),
        wrt="W,b",
    ),
    E(
        "jax-loss-lambda",
        JAX_COOKBOOK,
        "lambda W, b: -jnp.sum(jnp.log(sigmoid(jnp.dot(inputs, W) + b) * targets + (1 - sigmoid(jnp.dot(inputs, W) + b)) * (1 - targets)))",
        {"inputs": JAX_INPUTS, "targets": JAX_TARGETS, "W": "[0.1,0.4,-0.3]", "b": "0.2"},
        lambda inputs, targets, W, b: bce_loss(sigmoid(inputs @ W + b), targets),
        wrt="W,b",
        note="the lambda names the differentiated inputs; inputs and targets are data",
    ),
    E("jax-vgrad", JAX_COOKBOOK, "lambda x: 3*x**2", {"x": "[[1.0,1.0],[1.0,1.0]]"}, lambda x: 3 * x**2),
    E("jax-sum-tanh-sq", JAX_COOKBOOK, "jnp.sum(jnp.tanh(X)**2)", {"X": X23}, lambda X: torch.sum(torch.tanh(X) ** 2)),
    E(
        "jax-jacfwd-asarray",
        JAX_API + "jax.jacfwd.html",
        "jnp.asarray([x[0], 5*x[2], 4*x[1]**2 - 2*x[2], x[2] * jnp.sin(x[0])])",
        {"x": "[1.0,2.0,3.0]"},
        lambda x: torch.stack([x[0], 5 * x[2], 4 * x[1] ** 2 - 2 * x[2], x[2] * torch.sin(x[0])]),
    ),
    E(
        "jax-hessian-g",
        JAX_API + "jax.hessian.html",
        "g = lambda x: x[0]**3 - 2*x[0]*x[1] - x[1]**6",
        {"x": "[1.0,2.0]"},
        lambda x: x[0] ** 3 - 2 * x[0] * x[1] - x[1] ** 6,
    ),
    E(
        "jax-jvp-f",
        JAX_API + "jax.jvp.html",
        "3. * jnp.sin(x) + jnp.cos(x / 2.)",
        {"x": "2.0"},
        lambda x: 3.0 * torch.sin(x) + torch.cos(x / 2.0),
    ),
    E(
        "jax-selu-key-concepts",
        JAX_KEY,
        "lambda_ * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)",
        {"x": "[-1.5,-0.5,0.5,2.0]", "alpha": "1.67", "lambda_": "1.05"},
        lambda x, alpha, lambda_: lambda_ * torch.where(x > 0, x, alpha * torch.exp(x) - alpha),
        wrt="x",
    ),
    E(
        "jax-selu-literal",
        JAX_KEY,
        "1.05 * jnp.where(x > 0, x, 1.67 * jnp.exp(x) - 1.67)",
        {"x": "[-1.5,-0.5,0.5,2.0]"},
        lambda x: 1.05 * torch.where(x > 0, x, 1.67 * torch.exp(x) - 1.67),
    ),
    E(
        "jax-sum-logistic",
        JAX_THINKING,
        "jnp.sum(1.0 / (1.0 + jnp.exp(-x)))",
        {"x": "[0.0,1.0,2.0]"},
        lambda x: torch.sum(1.0 / (1.0 + torch.exp(-x))),
    ),
    E(
        "jax-norm-std",
        JAX_THINKING,
        "X = X - X.mean(0); X / X.std(0)",
        {"X": "[[1.0,2.0],[3.0,-1.0],[0.5,0.5]]"},
        lambda X: (X - X.mean(0)) / (X - X.mean(0)).std(0, correction=0),
        alts=(lambda X: (X - X.mean(0)) / (X - X.mean(0)).std(0),),
        note="a JAX array method: ddof=0 in JAX; torch's Tensor.std(0) is unbiased (accepted as the other reading)",
    ),
    E(
        "jax-dist",
        JAX_TRANSFORMS,
        "jnp.sqrt(jnp.sum((x - y) ** 2))",
        {"x": "[0.0,0.0]", "y": "[1.0,2.0]"},
        lambda x, y: torch.sqrt(torch.sum((x - y) ** 2)),
    ),
    E(
        "jax-absolute",
        JAX_TRANSFORMS,
        "jnp.where(x > 0, x, -x)",
        {"x": "[-2.0,-1.0,0.5,1.0,2.0]"},
        lambda x: torch.where(x > 0, x, -x),
    ),
    E("jax-sum-sq", JAX_TRANSFORMS, "jnp.sum(x ** 2)", {"x": "[0.0,1.0,2.0]"}, lambda x: torch.sum(x**2)),
    E(
        "jax-cubic",
        JAX_AUTODIFF,
        "f = lambda x: x**3 + 2*x**2 - 3*x + 1",
        {"x": "1.0"},
        lambda x: x**3 + 2 * x**2 - 3 * x + 1,
    ),
    E("jax-sin-times-2", JAX_TRANSFORMS, "jnp.sin(x) * 2.0", {"x": "[0.0,1.0,2.0]"}, lambda x: torch.sin(x) * 2.0),
    E("jax-custom-f", JAX_CUSTOM, "jnp.sin(x) * y", {"x": "2.0", "y": "3.0"}, lambda x, y: torch.sin(x) * y),
    E(
        "jax-log1pexp",
        JAX_CUSTOM,
        "jnp.log(1. + jnp.exp(x))",
        {"x": "[0.0,1.0,2.0]"},
        lambda x: torch.log(1.0 + torch.exp(x)),
    ),
    E(
        "jax-x-over-sqrt",
        JAX_CUSTOM,
        "x / (1 + jnp.sqrt(x))",
        {"x": "[0.25,1.0,4.0]"},
        lambda x: x / (1 + torch.sqrt(x)),
    ),
    E(
        "jax-newton-update",
        JAX_CUSTOM,
        "update = lambda a, x: 0.5 * (x + a / x)",
        {"a": "2.0", "x": "1.5"},
        lambda a, x: 0.5 * (x + a / x),
    ),
    E(
        "jax-nn-relu-jnp-maximum",
        JAX_API + "jax.nn.relu.html",
        "jnp.maximum(x, 0)",
        {"x": "[-2.0,-1.0,-0.5,0.5,1.0,2.0]"},
        lambda x: torch.clamp(x, min=0),
    ),
    E(
        "jax-nn-softmax",
        JAX_API + "jax.nn.softmax.html",
        "jax.nn.softmax(x)",
        {"x": X23},
        lambda x: torch.softmax(x, dim=-1),
        note="axis=-1 by default",
    ),
    E(
        "jax-nn-softmax-axis0",
        JAX_API + "jax.nn.softmax.html",
        "jax.nn.softmax(x, axis=0)",
        {"x": X23},
        lambda x: torch.softmax(x, dim=0),
    ),
    E(
        "jax-nn-log-softmax",
        JAX_API + "jax.nn.log_softmax.html",
        "jax.nn.log_softmax(x)",
        {"x": X23},
        lambda x: torch.log_softmax(x, dim=-1),
    ),
    E(
        "jax-nn-gelu",
        JAX_API + "jax.nn.gelu.html",
        "jax.nn.gelu(x)",
        {"x": V5},
        gelu_tanh,
        note="approximate=True by default in JAX; torch's F.gelu default is exact",
    ),
    E(
        "jax-nn-gelu-exact",
        JAX_API + "jax.nn.gelu.html",
        "jax.nn.gelu(x, approximate=False)",
        {"x": V5},
        lambda x: F.gelu(x),
    ),
    E(
        "jax-nn-softplus",
        JAX_API + "jax.nn.softplus.html",
        "jax.nn.softplus(x)",
        {"x": V5},
        lambda x: torch.logaddexp(x, torch.zeros_like(x)),
    ),
    E("jax-nn-silu", JAX_API + "jax.nn.silu.html", "jax.nn.silu(x)", {"x": V5}, lambda x: F.silu(x)),
    E("jax-nn-swish", JAX_API + "jax.nn.swish.html", "jax.nn.swish(x)", {"x": V5}, lambda x: F.silu(x)),
    E(
        "jax-nn-leaky-relu",
        JAX_API + "jax.nn.leaky_relu.html",
        "jax.nn.leaky_relu(x, negative_slope=0.1)",
        {"x": V5},
        lambda x: F.leaky_relu(x, 0.1),
    ),
    E("jax-nn-elu", JAX_API + "jax.nn.elu.html", "jax.nn.elu(x)", {"x": V5}, lambda x: F.elu(x)),
    E(
        "jax-nn-celu",
        JAX_API + "jax.nn.celu.html",
        "jax.nn.celu(x, alpha=0.5)",
        {"x": V5},
        lambda x: F.celu(x, alpha=0.5),
    ),
    E("jax-nn-selu", JAX_API + "jax.nn.selu.html", "jax.nn.selu(x)", {"x": V5}, lambda x: F.selu(x)),
    E(
        "jax-nn-relu6",
        JAX_API + "jax.nn.relu6.html",
        "jax.nn.relu6(x)",
        {"x": "[-1.0,0.5,3.0,6.5]"},
        lambda x: F.relu6(x),
    ),
    E(
        "jax-nn-hard-tanh",
        JAX_API + "jax.nn.hard_tanh.html",
        "jax.nn.hard_tanh(x)",
        {"x": "[-1.5,-0.5,0.5,1.5]"},
        lambda x: F.hardtanh(x),
    ),
    E(
        "jax-nn-log-sigmoid",
        JAX_API + "jax.nn.log_sigmoid.html",
        "jax.nn.log_sigmoid(x)",
        {"x": V5},
        lambda x: F.logsigmoid(x),
    ),
    E("jax-nn-soft-sign", JAX_API + "jax.nn.soft_sign.html", "jax.nn.soft_sign(x)", {"x": V5}, lambda x: F.softsign(x)),
    E("jax-nn-mish", JAX_API + "jax.nn.mish.html", "jax.nn.mish(x)", {"x": V5}, lambda x: F.mish(x)),
    E(
        "jax-nn-logsumexp",
        JAX_API + "jax.nn.logsumexp.html",
        "jax.nn.logsumexp(x, axis=1)",
        {"x": X23},
        lambda x: torch.logsumexp(x, dim=1),
    ),
    E(
        "jax-nn-standardize",
        JAX_API + "jax.nn.standardize.html",
        "jax.nn.standardize(x)",
        {"x": X23},
        lambda x: (x - x.mean(-1, keepdim=True)) * torch.rsqrt(x.var(-1, keepdim=True, correction=0) + 1e-5),
        note="axis=-1, epsilon=1e-5, biased variance",
    ),
    E(
        "jnp-linalg-norm-vector",
        JAX_API + "jax.numpy.linalg.norm.html",
        "jnp.linalg.norm(x)",
        {"x": "[3.0,4.0,12.0]"},
        lambda x: torch.linalg.vector_norm(x),
    ),
    E(
        "jnp-linalg-norm-vector-1",
        JAX_API + "jax.numpy.linalg.norm.html",
        "jnp.linalg.norm(x, ord=1)",
        {"x": "[3.0,-4.0,12.0]"},
        lambda x: x.abs().sum(),
    ),
    E(
        "jnp-linalg-norm-frobenius",
        JAX_API + "jax.numpy.linalg.norm.html",
        "jnp.linalg.norm(x)",
        {"x": "[[1.0,2.0,3.0],[4.0,5.0,7.0]]"},
        lambda x: torch.linalg.matrix_norm(x),
    ),
    E(
        "jnp-linalg-norm-matrix-1",
        JAX_API + "jax.numpy.linalg.norm.html",
        "jnp.linalg.norm(x, ord=1)",
        {"x": "[[1.0,2.0,3.0],[4.0,5.0,7.5]]"},
        lambda x: x.abs().sum(dim=0).max(),
        note="matrix 1-norm: the largest column sum (torch.norm(x, 1) sums every entry)",
    ),
    E(
        "jnp-linalg-norm-axis",
        JAX_API + "jax.numpy.linalg.norm.html",
        "jnp.linalg.norm(x, axis=1)",
        {"x": "[[1.0,2.0,3.0],[4.0,5.0,7.0]]"},
        lambda x: torch.linalg.vector_norm(x, dim=1),
    ),
    E(
        "jnp-std",
        JAX_API + "jax.numpy.std.html",
        "jnp.std(x)",
        {"x": X23},
        lambda x: torch.std(x, correction=0),
        note="ddof=0",
    ),
    E(
        "jnp-var-axis",
        JAX_API + "jax.numpy.var.html",
        "jnp.var(x, axis=0)",
        {"x": X23},
        lambda x: torch.var(x, dim=0, correction=0),
    ),
    E(
        "jnp-cumsum",
        JAX_API + "jax.numpy.cumsum.html",
        "jnp.cumsum(x)",
        {"x": X23},
        lambda x: torch.cumsum(x.reshape(-1), dim=0),
        note="axis=None flattens",
    ),
    E(
        "jnp-clip",
        JAX_API + "jax.numpy.clip.html",
        "jnp.clip(x, -1, 1)",
        {"x": "[-2.0,-0.5,0.25,1.5]"},
        lambda x: torch.clamp(x, -1, 1),
    ),
    E("jnp-dot-matrix", JAX_API + "jax.numpy.dot.html", "jnp.dot(A, x)", {"A": X23, "x": V3}, lambda A, x: A @ x),
    E("jnp-dot-matmat", JAX_API + "jax.numpy.dot.html", "jnp.dot(A, B)", {"A": X23, "B": A33}, lambda A, B: A @ B),
    E(
        "jax-mlp-relu",
        JAX + "notebooks/Neural_Network_and_Data_Loading.html",
        "jnp.maximum(0, x)",
        {"x": "[-1.0,0.5,2.0]"},
        lambda x: torch.clamp(x, min=0),
    ),
    E(
        "jax-mlp-logits",
        JAX + "notebooks/Neural_Network_and_Data_Loading.html",
        "logits = jnp.dot(w, activations) + b; logits - logsumexp(logits)",
        {"w": "[[0.1,0.2],[0.3,-0.4],[0.5,0.6]]", "activations": "[1.0,-0.5]", "b": "[0.0,0.1,-0.1]"},
        lambda w, activations, b: torch.log_softmax(w @ activations + b, dim=0),
        wrt="w,b",
    ),
    E(
        "jax-mlp-loss",
        JAX + "notebooks/Neural_Network_and_Data_Loading.html",
        "-jnp.mean(preds * targets)",
        {"preds": "[[-1.2,-0.4,-2.0],[-0.3,-1.5,-1.0]]", "targets": "[[0.0,0.0,1.0],[1.0,0.0,0.0]]"},
        lambda preds, targets: -torch.mean(preds * targets),
        wrt="preds",
    ),
    # ---- HIPS autograd -------------------------------------------------------------------------
    E(
        "hips-readme-tanh",
        HIPS + "README.md",
        "(1.0 - np.exp((-2 * x))) / (1.0 + np.exp(-(2 * x)))",
        {"x": "1.0"},
        lambda x: (1.0 - torch.exp(-2 * x)) / (1.0 + torch.exp(-(2 * x))),
    ),
    E(
        "hips-tanh-vector",
        HIPS + "examples/tanh.py",
        "(1.0 - np.exp(-2 * x)) / (1.0 + np.exp(-(2 * x)))",
        {"x": "[-7.0,-1.0,0.0,0.5,7.0]"},
        lambda x: (1.0 - torch.exp(-2 * x)) / (1.0 + torch.exp(-(2 * x))),
    ),
    E("hips-tutorial-sigmoid", HIPS + "docs/tutorial.md", "0.5 * (np.tanh(x / 2.) + 1)", {"x": V5}, sigmoid),
    E(
        "hips-logistic-predictions",
        HIPS + "examples/logistic_regression.py",
        "sigmoid(np.dot(inputs, weights))",
        {"inputs": JAX_INPUTS, "weights": "[0.0,0.0,0.0]"},
        lambda inputs, weights: torch.sigmoid(inputs @ weights),
        wrt="weights",
    ),
    E(
        "hips-training-loss",
        HIPS + "examples/logistic_regression.py",
        "preds = 0.5 * (np.tanh(np.dot(inputs, weights)) + 1)\n"
        "label_probabilities = preds * targets + (1 - preds) * (1 - targets)\n"
        "-np.sum(np.log(label_probabilities))",
        {"inputs": JAX_INPUTS, "targets": JAX_TARGETS, "weights": "[0.1,-0.2,0.3]"},
        lambda inputs, targets, weights: bce_loss(hips_sigmoid(inputs @ weights), targets),
        wrt="weights",
    ),
    E(
        "hips-rosenbrock",
        HIPS + "examples/rosenbrock.py",
        "100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2",
        {"x": "[0.0,0.0]"},
        lambda x: 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2,
    ),
    E(
        "hips-rosenbrock-off-origin",
        HIPS + "examples/rosenbrock.py",
        "100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2",
        {"x": "[0.5,-0.2]"},
        lambda x: 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2,
    ),
    E(
        "hips-logsumexp",
        HIPS + "docs/tutorial.md",
        "max_x = np.max(x); max_x + np.log(np.sum(np.exp(x - max_x)))",
        {"x": "[1.5,6.7,1e-10]"},
        lambda x: torch.max(x) + torch.log(torch.sum(torch.exp(x - torch.max(x)))),
    ),
    E(
        "hips-neural-net-logits",
        HIPS + "examples/neural_net.py",
        "outputs - logsumexp(outputs, axis=1, keepdims=True)",
        {"outputs": X23},
        lambda outputs: outputs - torch.logsumexp(outputs, dim=1, keepdim=True),
    ),
    E(
        "hips-neural-net-layer",
        HIPS + "examples/neural_net.py",
        "outputs = np.dot(inputs, W) + b; np.tanh(outputs)",
        {"inputs": "[[1.0,0.5],[0.0,-1.0]]", "W": "[[0.1,0.2,0.3],[-0.3,0.2,0.1]]", "b": "[0.0,0.1,-0.1]"},
        lambda inputs, W, b: torch.tanh(inputs @ W + b),
        wrt="W,b",
    ),
    E(
        "hips-l2-norm",
        HIPS + "examples/neural_net.py",
        "np.dot(flattened, flattened)",
        {"flattened": V5},
        lambda flattened: torch.dot(flattened, flattened),
    ),
    E(
        "hips-sinusoid",
        HIPS + "examples/sinusoid.py",
        "np.sin(x)",
        {"x": "[-10.0,-1.0,0.0,2.5]"},
        lambda x: torch.sin(x),
    ),
    E(
        "hips-tutorial-np-sum-list",
        HIPS + "docs/tutorial.md",
        "np.sum(np.array([x, y]))",
        {"x": "1.5", "y": "-2.0"},
        lambda x, y: torch.sum(torch.stack([x, y])),
    ),
    # ---- SymPy docs ----------------------------------------------------------------------------
    E(
        "sympy-jacobian-3",
        SYMPY_JAC,
        "Matrix([rho*cos(phi), rho*sin(phi), rho**2])",
        {"rho": "2.0", "phi": "0.5"},
        lambda phi, rho: torch.stack([rho * torch.cos(phi), rho * torch.sin(phi), rho**2]),
    ),
    E(
        "sympy-jacobian-2",
        SYMPY_JAC,
        "Matrix([rho*cos(phi), rho*sin(phi)])",
        {"rho": "2.0", "phi": "0.5"},
        lambda phi, rho: torch.stack([rho * torch.cos(phi), rho * torch.sin(phi)]),
    ),
    E(
        "sympy-diff-sincos",
        SYMPY_DIFF,
        "sin(x)*cos(y)",
        {"x": "0.5", "y": "1.5"},
        lambda x, y: torch.sin(x) * torch.cos(y),
    ),
    E("sympy-diff-sinxy", SYMPY_DIFF, "sin(x*y)", {"x": "0.5", "y": "1.5"}, lambda x, y: torch.sin(x * y)),
    E("sympy-calc-cos", SYMPY_CALC, "cos(x)", {"x": "0.5"}, lambda x: torch.cos(x)),
    E("sympy-calc-exp-sq", SYMPY_CALC, "exp(x**2)", {"x": "0.5"}, lambda x: torch.exp(x**2)),
    E("sympy-calc-x4", SYMPY_CALC, "x**4", {"x": "1.5"}, lambda x: x**4),
    E(
        "sympy-calc-exp-xyz",
        SYMPY_CALC,
        "expr = exp(x*y*z)",
        {"x": "0.5", "y": "-1.0", "z": "0.25"},
        lambda x, y, z: torch.exp(x * y * z),
    ),
    # ---- more d2l.ai: optimization, weight decay, attention, dropout -----------------------------
    E(
        "d2l-opt-intro-f",
        D2L_OPT_INTRO,
        "x * torch.cos(np.pi * x)",
        {"x": "[-1.0,0.5,1.2]"},
        lambda x: x * torch.cos(math.pi * x),
    ),
    E(
        "d2l-opt-intro-g",
        D2L_OPT_INTRO,
        "x * torch.cos(np.pi * x) + 0.2 * torch.cos(5 * np.pi * x)",
        {"x": "[-1.0,0.5,1.2]"},
        lambda x: x * torch.cos(math.pi * x) + 0.2 * torch.cos(5 * math.pi * x),
    ),
    E("d2l-convex-f", D2L_CONVEX, "f = lambda x: 0.5 * x**2", {"x": "[-2.0,1.0]"}, lambda x: 0.5 * x**2),
    E(
        "d2l-convex-g",
        D2L_CONVEX,
        "g = lambda x: torch.cos(np.pi * x)",
        {"x": "[-2.0,0.25]"},
        lambda x: torch.cos(math.pi * x),
    ),
    E(
        "d2l-convex-h",
        D2L_CONVEX,
        "h = lambda x: torch.exp(0.5 * x)",
        {"x": "[-2.0,1.0]"},
        lambda x: torch.exp(0.5 * x),
    ),
    E("d2l-convex-shifted", D2L_CONVEX, "f = lambda x: (x - 1) ** 2", {"x": "[-2.0,1.5]"}, lambda x: (x - 1) ** 2),
    E("d2l-gd-square", D2L_GD, "x ** 2", {"x": "10.0"}, lambda x: x**2),
    E(
        "d2l-gd-nonconvex",
        D2L_GD,
        "c = torch.tensor(0.15 * np.pi); x * torch.cos(c * x)",
        {"x": "10.0"},
        lambda x: x * torch.cos(0.15 * math.pi * x),
        alts=(lambda x: x * torch.cos(torch.tensor(0.15 * math.pi, dtype=torch.float32) * x),),
        note="torch.tensor(0.15 * np.pi) is float32 in torch (its default dtype); either reading is accepted",
    ),
    E("d2l-gd-2d", D2L_GD, "x1 ** 2 + 2 * x2 ** 2", {"x1": "-5.0", "x2": "-2.0"}, lambda x1, x2: x1**2 + 2 * x2**2),
    E("d2l-gd-2d-grad", D2L_GD, "(2 * x1, 4 * x2)", {"x1": "-5.0", "x2": "-2.0"}, lambda x1, x2: (2 * x1, 4 * x2)),
    E("d2l-gd-cosh", D2L_GD, "c = torch.tensor(0.5); torch.cosh(c * x)", {"x": "10.0"}, lambda x: torch.cosh(0.5 * x)),
    E(
        "d2l-gd-sinh",
        D2L_GD,
        "c * torch.sinh(c * x)",
        {"x": "10.0", "c": "0.5"},
        lambda x, c: c * torch.sinh(c * x),
        wrt="x",
    ),
    E(
        "d2l-momentum-f",
        D2L + "chapter_optimization/momentum.html",
        "0.1 * x1 ** 2 + 2 * x2 ** 2",
        {"x1": "-5.0", "x2": "-2.0"},
        lambda x1, x2: 0.1 * x1**2 + 2 * x2**2,
    ),
    E(
        "d2l-l2-penalty",
        D2L + "chapter_linear-regression/weight-decay.html",
        "(w ** 2).sum() / 2",
        {"w": "[[0.5],[-1.0],[2.0]]"},
        lambda w: (w**2).sum() / 2,
    ),
    E(
        "d2l-weight-decay-loss",
        D2L + "chapter_linear-regression/weight-decay.html",
        "(y_hat - y) ** 2 / 2 + lambd * (w ** 2).sum() / 2",
        {"y_hat": "[0.5,1.5]", "y": "[1.0,1.0]", "w": "[0.5,-1.0]", "lambd": "3.0"},
        lambda y_hat, y, w, lambd: (y_hat - y) ** 2 / 2 + lambd * (w**2).sum() / 2,
        wrt="y_hat,w",
    ),
    E(
        "d2l-dropout",
        D2L + "chapter_multilayer-perceptrons/dropout.html",
        "mask * X / (1.0 - dropout)",
        {"mask": "[[1.0,0.0],[0.0,1.0]]", "X": "[[0.5,-1.0],[2.0,3.0]]", "dropout": "0.5"},
        lambda mask, X, dropout: mask * X / (1.0 - dropout),
        wrt="X",
    ),
    E(
        "d2l-masked-softmax-none",
        D2L_ATTENTION,
        "nn.functional.softmax(X, dim=-1)",
        {"X": "[[[0.5,-1.0,2.0],[0.1,0.2,0.3]]]"},
        lambda X: F.softmax(X, dim=-1),
        note="the d2l spelling after `from torch import nn`",
    ),
    E(
        "d2l-dot-product-attention-scores",
        D2L_ATTENTION,
        "d = queries.shape[-1]; scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)",
        {"queries": "[[[0.5,-1.0],[1.0,0.0]]]", "keys": "[[[1.0,2.0],[0.0,-1.0],[0.5,0.5]]]"},
        lambda queries, keys: torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(queries.shape[-1]),
    ),
    E(
        "d2l-attention-output",
        D2L_ATTENTION,
        "torch.bmm(attention_weights, values)",
        {"attention_weights": "[[[0.2,0.3,0.5],[0.6,0.3,0.1]]]", "values": "[[[1.0,0.0],[0.5,2.0],[-1.0,1.0]]]"},
        lambda attention_weights, values: torch.bmm(attention_weights, values),
    ),
    E(
        "d2l-attention-jax",
        D2L_ATTENTION,
        "d = queries.shape[-1]; queries@(keys.swapaxes(1, 2)) / math.sqrt(d)",
        {"queries": "[[[0.5,-1.0],[1.0,0.0]]]", "keys": "[[[1.0,2.0],[0.0,-1.0],[0.5,0.5]]]"},
        lambda queries, keys: queries @ keys.transpose(1, 2) / math.sqrt(queries.shape[-1]),
    ),
    # ---- JAX FAQ: where and NaN gradients ------------------------------------------------------
    E(
        "jax-faq-my-log",
        JAX + "faq.html",
        "jnp.where(x > 0., jnp.log(x), 0.)",
        {"x": "[0.0,2.0]"},
        lambda x: torch.where(x > 0.0, torch.log(x), 0.0),
        note="the FAQ's point: the gradient at 0 is NaN (0 * inf from the unselected branch)",
    ),
    E(
        "jax-faq-safe-log",
        JAX + "faq.html",
        "jnp.log(jnp.where(x > 0., x, 1.))",
        {"x": "[0.0,2.0]"},
        lambda x: torch.log(torch.where(x > 0.0, x, 1.0)),
    ),
    E(
        "jax-faq-log-or-y",
        JAX + "faq.html",
        "jnp.where(x > 0., jnp.log(jnp.where(x > 0., x, 1.)), y)",
        {"x": "[0.0,2.0]", "y": "[5.0,6.0]"},
        lambda x, y: torch.where(x > 0.0, torch.log(torch.where(x > 0.0, x, 1.0)), y),
    ),
    # ---- more PyTorch ----------------------------------------------------------------------------
    E(
        "blitz-exclusion",
        BLITZ,
        "b = x + z",
        {"x": "[[0.1,0.2],[0.3,0.4]]", "z": "[[1.0,2.0],[3.0,4.0]]"},
        lambda x, z: x + z,
        wrt="z",
        note="x and y are created without requires_grad; only z is a leaf that requires grad",
    ),
    E(
        "func-hessian-sin-sum",
        PT + "torch.func.hessian.html",
        "x.sin().sum()",
        {"x": "[0.5,1.0,-2.0]"},
        lambda x: x.sin().sum(),
    ),
    E(
        "func-jacrev-has-aux-f",
        FUNC_JACREV,
        "lambda x: x.sin()",
        {"x": "[0.5,1.0,-2.0]"},
        lambda x: x.sin(),
    ),
    # ---- more SymPy ------------------------------------------------------------------------------
    E(
        "sympy-derive-array",
        SYMPY_ARRAY,
        "[exp(x), sin(y*z), t]",
        {"x": "0.5", "y": "2.0", "z": "1.5", "t": "3.0"},
        lambda x, y, z, t: (torch.exp(x), torch.sin(y * z), t),
        wrt="x,y,z",
    ),
    # ---- issue 9's own examples, from their sources ------------------------------------------------
    E(
        "jax-readme-layer",
        "https://github.com/jax-ml/jax/blob/main/README.md",
        "jnp.tanh(jnp.dot(inputs, W) + b)",
        {"inputs": "[[1.0,0.5],[0.0,-1.0]]", "W": "[[0.1,0.2,0.3],[-0.3,0.2,0.1]]", "b": "[0.0,0.1,-0.1]"},
        lambda inputs, W, b: torch.tanh(inputs @ W + b),
        wrt="W,b",
    ),
    E(
        "jax-readme-two-layers",
        "https://github.com/jax-ml/jax/blob/main/README.md",
        "outputs = jnp.dot(inputs, W1) + b1; inputs2 = jnp.tanh(outputs); jnp.dot(inputs2, W2) + b2",
        {
            "inputs": "[[1.0,0.5],[0.0,-1.0]]",
            "W1": "[[0.1,0.2,0.3],[-0.3,0.2,0.1]]",
            "b1": "[0.0,0.1,-0.1]",
            "W2": "[[0.5],[-0.5],[0.25]]",
            "b2": "[0.2]",
        },
        lambda inputs, W1, b1, W2, b2: torch.tanh(inputs @ W1 + b1) @ W2 + b2,
        wrt="W1,b1,W2,b2",
        note="predict() of the README unrolled for two layers",
    ),
    E(
        "jax-readme-loss",
        "https://github.com/jax-ml/jax/blob/main/README.md",
        "jnp.sum((preds - targets)**2)",
        {"preds": "[0.5,1.5,-0.5]", "targets": "[1.0,1.0,0.0]"},
        lambda preds, targets: torch.sum((preds - targets) ** 2),
        wrt="preds",
    ),
    E(
        "blitz-2017-out",
        "pytorch/tutorials beginner_source/blitz/autograd_tutorial.py (2017-2022 edition)",
        "y = x + 2; z = y * y * 3; out = z.mean()",
        {"x": "[[1.0,1.0],[1.0,1.0]]"},
        lambda x: ((x + 2) * (x + 2) * 3).mean(),
    ),
    E(
        "blitz-2017-z",
        "pytorch/tutorials beginner_source/blitz/autograd_tutorial.py (2017-2022 edition)",
        "y = x + 2\nz = y * y * 3",
        {"x": "[[1.0,1.0],[1.0,1.0]]"},
        lambda x: (x + 2) * (x + 2) * 3,
    ),
    E(
        "d2l-custom-layer-data",
        D2L + "chapter_builders-guide/custom-layer.html",
        "linear = torch.matmul(X, weight.data) + bias.data; F.relu(linear)",
        {"X": "[[1.0,0.5],[0.0,-1.0]]", "weight": "[[0.1,0.2,0.3],[-0.3,0.2,0.1]]", "bias": "[0.5,0.1,0.2]"},
        lambda X, weight, bias: F.relu(torch.matmul(X, weight.detach()) + bias.detach()),
        wrt="X,weight,bias",
        note=".data is a detached view: only X gets a gradient",
    ),
    E(
        "d2l-fixed-hidden",
        D2L + "chapter_builders-guide/model-construction.html",
        "F.relu(X @ rand_weight + 1)",
        {"X": "[[1.0,-0.5],[0.25,-2.0]]", "rand_weight": "[[0.3,0.8],[0.6,0.1]]"},
        lambda X, rand_weight: F.relu(X @ rand_weight + 1),
        wrt="X",
    ),
    # ---- method spellings and long prefixes from the reference docs -------------------------------
    E(
        "sdpa-reference",
        PT + "torch.nn.functional.scaled_dot_product_attention.html",
        "scale_factor = 1 / math.sqrt(query.size(-1))\n"
        "attn_weight = query @ key.transpose(-2, -1) * scale_factor\n"
        "attn_weight = torch.softmax(attn_weight, dim=-1)\n"
        "attn_weight @ value",
        {
            "query": "[[0.5,-1.0],[1.0,0.25]]",
            "key": "[[1.0,2.0],[0.0,-1.0],[0.5,0.5]]",
            "value": "[[1.0,0.0],[0.5,2.0],[-1.0,1.0]]",
        },
        lambda query, key, value: (
            torch.softmax(query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1]), dim=-1) @ value
        ),
        note="the reference implementation in the docs, without mask and dropout",
    ),
    E(
        "sdpa-reference-bias",
        PT + "torch.nn.functional.scaled_dot_product_attention.html",
        "attn_weight = query @ key.transpose(-2, -1) * scale_factor; attn_weight += attn_bias; "
        "attn_weight = torch.softmax(attn_weight, dim=-1); attn_weight @ value",
        {
            "query": "[[0.5,-1.0],[1.0,0.25]]",
            "key": "[[1.0,2.0],[0.0,-1.0],[0.5,0.5]]",
            "value": "[[1.0,0.0],[0.5,2.0],[-1.0,1.0]]",
            "scale_factor": "0.7071067811865475",
            "attn_bias": "[[0.0,-1.0,0.0],[0.5,0.0,-0.5]]",
        },
        lambda query, key, value, scale_factor, attn_bias: (
            torch.softmax(query @ key.transpose(-2, -1) * scale_factor + attn_bias, dim=-1) @ value
        ),
        wrt="query,key,value",
        note="an augmented assignment (+=) as the docs write it",
    ),
    E(
        "linalg-cholesky-spd",
        PT + "torch.linalg.cholesky.html",
        "A = A @ A.mT + torch.eye(2)",
        {"A": "[[[1.0,0.5],[-0.5,2.0]],[[0.25,1.0],[1.5,-1.0]]]"},
        lambda A: A @ A.mT + torch.eye(2, dtype=A.dtype),
    ),
    E(
        "linalg-eigh-symmetric",
        PT + "torch.linalg.eigh.html",
        "A = A + A.mT",
        {"A": "[[[1.0,0.5],[-0.5,2.0]],[[0.25,1.0],[1.5,-1.0]]]"},
        lambda A: A + A.mT,
    ),
    E(
        "linalg-lu-solve-adjoint",
        PT + "torch.linalg.lu_solve.html",
        "A.mT @ X",
        {"A": A33, "X": "[[1.0,0.0,2.0,-1.0],[0.5,1.0,0.0,1.0],[0.0,-2.0,1.0,0.5]]"},
        lambda A, X: A.mT @ X,
    ),
    E(
        "blitz-2017-view",
        "pytorch/tutorials beginner_source/blitz/tensor_tutorial.py (2017-2020 edition)",
        "z = x.view(-1, 8)",
        {"x": "[[1.0,2.0,3.0,4.0],[5.0,6.0,7.0,8.0],[0.5,-1.0,1.5,-2.0],[0.0,0.25,-0.25,1.0]]"},
        lambda x: x.view(-1, 8),
    ),
    E(
        "blitz-2017-view-16",
        "pytorch/tutorials beginner_source/blitz/tensor_tutorial.py (2017-2020 edition)",
        "y = x.view(16)",
        {"x": "[[1.0,2.0,3.0,4.0],[5.0,6.0,7.0,8.0],[0.5,-1.0,1.5,-2.0],[0.0,0.25,-0.25,1.0]]"},
        lambda x: x.view(16),
    ),
    E(
        "d2l-mxnet-relu",
        D2L_MLP_SCRATCH,
        "np.maximum(X, 0)",
        {"X": "[[-1.0,0.5],[2.0,-0.25]]"},
        lambda X: torch.clamp(X, min=0),
    ),
    E(
        "jax-vjp-docstring",
        JAX_API + "jax.vjp.html",
        "jax.numpy.sin(x), jax.numpy.cos(y)",
        {"x": "0.5", "y": "1.0"},
        lambda x, y: (torch.sin(x), torch.cos(y)),
    ),
    E(
        "jax-make-jaxpr",
        JAX_API + "jax.make_jaxpr.html",
        "jax.numpy.sin(jax.numpy.cos(x))",
        {"x": "3.0"},
        lambda x: torch.sin(torch.cos(x)),
    ),
    E(
        "jax-ffi-rms-norm",
        JAX + "ffi.html",
        "scale = jnp.sqrt(jnp.mean(jnp.square(x), axis=-1, keepdims=True) + eps); x / scale",
        {"x": "[[1.0,-2.0,0.5],[3.0,0.25,-1.0]]", "eps": "1e-05"},
        lambda x, eps: x / torch.sqrt(torch.mean(torch.square(x), dim=-1, keepdim=True) + eps),
        wrt="x",
    ),
    E(
        "jax-checkpointing-g",
        JAX + "gradient-checkpointing.html",
        "y = jnp.dot(W, x); jnp.sin(y)",
        {"W": "[[0.1,0.2,0.3,0.4],[0.5,-0.6,0.7,-0.8],[1.0,0.0,-1.0,0.5]]", "x": "[1.0,0.5,-0.5,2.0]"},
        lambda W, x: torch.sin(W @ x),
    ),
]


# ---- turning entries into cases ------------------------------------------------------------------


def _tensor(text: str, dtype: torch.dtype) -> torch.Tensor:
    return torch.tensor(ast.literal_eval(text), dtype=dtype)


def _flat(out: object) -> torch.Tensor:
    outs = out if isinstance(out, tuple | list) else (out,)
    parts = [o.reshape(-1) if isinstance(o, torch.Tensor) else torch.tensor([float(o)]) for o in outs]  # type: ignore[arg-type]
    return torch.cat(parts)


def reference(entry: Entry, ref: Ref) -> tuple[list[float], dict[str, list[list[float]]]]:
    """The value and Jacobian blocks (per differentiated input) of `ref` at the entry's point."""
    dtype = torch.float32 if entry.dtype == "float32" else torch.float64
    tensors = {name: _tensor(text, torch.long if name in entry.ints else dtype) for name, text in entry.at.items()}
    wrt = list(entry.wrt) if entry.wrt is not None else [n for n in entry.at if n not in entry.ints]
    if entry.wrt is None:
        assert not entry.ints, f"{entry.id}: integer inputs need an explicit wrt"

    def f(*xs: torch.Tensor) -> torch.Tensor:
        kw = dict(tensors)
        kw.update(zip(wrt, xs))
        return _flat(ref(**kw))

    primals = tuple(tensors[n] for n in wrt)
    value = f(*primals).detach()
    jac = torch.autograd.functional.jacobian(f, primals)
    m = value.numel()
    blocks = {name: [[float(v) for v in row] for row in block.reshape(m, -1).tolist()] for name, block in zip(wrt, jac)}
    return [float(v) for v in value.tolist()], blocks


def to_cases(entry: Entry) -> list[Case]:
    """The entry's case, plus one per alternative reading (any of them may be matched)."""
    out = []
    for k, ref in enumerate((entry.ref, *entry.alts)):
        value, blocks = reference(entry, ref)
        tol = (1e-5, 1e-6) if entry.dtype == "float32" else (1e-6, 1e-9)
        out.append(
            Case(
                id=entry.id if k == 0 else f"{entry.id}~alt{k}",
                group=source_family(entry.source),
                expr=entry.expr,
                at=[f"{name}={text}" for name, text in entry.at.items()],
                value=value,
                blocks=blocks,
                wrt=list(entry.wrt) if entry.wrt is not None else None,
                dtype=entry.dtype,
                source=entry.source,
                rtol=tol[0],
                atol=tol[1],
            )
        )
    return out


def source_family(source: str) -> str:
    for key, family in (
        ("torch.func", "torch.func docs"),
        ("torch.vmap", "torch.func docs"),
        ("autograd.functional", "torch.autograd.functional docs"),
        ("tutorials", "PyTorch tutorials"),
        ("docs.pytorch.org/docs", "PyTorch API docs"),
        ("d2l.ai", "d2l.ai"),
        ("jax", "JAX docs"),
        ("HIPS", "HIPS autograd"),
        ("sympy", "SymPy docs"),
    ):
        if key in source:
            return family
    return "other"
