"""The mutants: one small change to a module's AST at a time, counted in a fixed walk order so that
the n-th mutation point is the same change in every run (`mutants` lists them, `mutated_code` makes one)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from bench.mutation.table import ROOT

MODULE_SCOPE = "<module>"  # the scope of a mutant outside any function or class


@dataclass(frozen=True)
class Point:
    """One mutation point: where (line, and the function or class it is in) and what it changes."""

    line: int
    scope: str  # qualified name ("Conversation.file"), or MODULE_SCOPE
    description: str


_CMP_SWAP = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
_CALL_SWAP = {"min": "max", "max": "min", "any": "all", "all": "any"}
_LOG_NAMES = {"log", "logger", "logging"}


def _show(node: ast.AST) -> str:
    """The code a mutant changes, short but unambiguous (its start and its end)."""
    text = ast.unparse(node)
    return text if len(text) <= 60 else f"{text[:32]}…{text[-25:]}"


def _is_log_call(node: ast.AST) -> bool:
    call = node.value if isinstance(node, ast.Await) else node
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    while isinstance(func, ast.Attribute):
        func = func.value
    return isinstance(func, ast.Name) and func.id in _LOG_NAMES


def _is_constant_like(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    return isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts)


def _guard(node: ast.If) -> bool:
    """`if cond: return/raise/continue/break` with no else: a guard whose removal is a classic bug."""
    return not node.orelse and len(node.body) == 1 and isinstance(node.body[0], (ast.Return, ast.Raise, ast.Continue, ast.Break))


class Mutator(ast.NodeTransformer):
    """Walks a module; at each mutation point counts one, and applies the `target`-th (if any)."""

    def __init__(self, functions: list[str] | None, target: int = -1):
        self.functions = functions
        self.target = target
        self.count = 0
        self.points: list[Point] = []
        self.stack: list[str] = []
        self.seen: dict[tuple[str, str], int] = {}

    # -- scoping ----------------------------------------------------------------------------------
    def _in_scope(self) -> bool:
        if self.functions is None:
            return True
        qual = ".".join(self.stack)
        return any(qual == f or qual.startswith(f + ".") for f in self.functions)

    def _scoped(self, node):
        self.stack.append(node.name)
        # annotations and decorators are not behaviour worth mutating here
        node.body = [self.visit(n) for n in node.body]
        node.body = [n for n in node.body if n is not None] or [ast.Pass()]
        self.stack.pop()
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_AnnAssign(self, node):
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node  # docstring
        if self._in_scope() and isinstance(node.value, (ast.Call, ast.Await)) and not _is_log_call(node.value):
            if self._point(node, f"call removed: {_show(node.value)}"):
                return ast.copy_location(ast.Pass(), node)
        return self.generic_visit(node)

    def visit_If(self, node):
        if self._in_scope() and _guard(node):
            if self._point(node, f"guard removed: if {_show(node.test)}"):
                return ast.copy_location(ast.Pass(), node)
        return self.generic_visit(node)

    def visit_JoinedStr(self, node):
        return node  # f-strings: messages, not behaviour

    # -- points -----------------------------------------------------------------------------------
    def _point(self, node: ast.AST, description: str) -> bool:
        index = self.count
        self.count += 1
        if self.target < 0:
            # (scope, description) names a mutant without its line number; the same change again in
            # the same function (a second `0 -> 1`) is told apart by its order there
            scope = ".".join(self.stack) or MODULE_SCOPE
            seen = self.seen[(scope, description)] = self.seen.get((scope, description), 0) + 1
            if seen > 1:
                description = f"{description} #{seen}"
            self.points.append(Point(getattr(node, "lineno", 0), scope, description))
        return index == self.target

    def visit_Compare(self, node):
        node = self.generic_visit(node)
        if not self._in_scope():
            return node
        for i, op in enumerate(node.ops):
            swap = _CMP_SWAP.get(type(op))
            if swap and self._point(node, f"{_show(node)}: {type(op).__name__} -> {swap.__name__}"):
                node.ops[i] = swap()
        return node

    def visit_BoolOp(self, node):
        node = self.generic_visit(node)
        if not self._in_scope():
            return node
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._point(node, f"{_show(node)}: {type(node.op).__name__} -> {other.__name__}"):
            node.op = other()
        if len(node.values) <= 4:
            for i, value in enumerate(list(node.values)):
                if self._point(node, f"operand dropped: {_show(value)}"):
                    rest = node.values[:i] + node.values[i + 1 :]
                    return rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
        return node

    def visit_UnaryOp(self, node):
        node = self.generic_visit(node)
        if self._in_scope() and isinstance(node.op, ast.Not):
            if self._point(node, f"not removed: {_show(node)}"):
                return node.operand
        return node

    def visit_BinOp(self, node):
        node = self.generic_visit(node)
        if not self._in_scope():
            return node
        if isinstance(node.op, (ast.Add, ast.Sub)):
            other = ast.Sub if isinstance(node.op, ast.Add) else ast.Add
            if self._point(node, f"{_show(node)}: {type(node.op).__name__} -> {other.__name__}"):
                node.op = other()
                return node
        if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.BitOr, ast.LShift)):
            if self._point(node, f"right operand dropped: {_show(node)}"):
                return node.left
        if isinstance(node.op, ast.Add) and self._point(node, f"left operand dropped: {_show(node)}"):
            return node.right
        return node

    def visit_Constant(self, node):
        if not self._in_scope():
            return node
        if isinstance(node.value, bool):
            if self._point(node, f"{node.value} -> {not node.value}"):
                return ast.copy_location(ast.Constant(not node.value), node)
        elif isinstance(node.value, int):
            if self._point(node, f"{node.value} -> {node.value + 1}"):
                return ast.copy_location(ast.Constant(node.value + 1), node)
        return node

    def visit_Call(self, node):
        node = self.generic_visit(node)
        if self._in_scope() and isinstance(node.func, ast.Name) and node.func.id in _CALL_SWAP:
            swap = _CALL_SWAP[node.func.id]
            if self._point(node, f"{node.func.id}() -> {swap}()"):
                node.func = ast.copy_location(ast.Name(swap, ast.Load()), node.func)
        return node

    def _collection(self, node):
        if all(isinstance(e, ast.Tuple) for e in node.elts):
            for element in node.elts:  # rows of a table: drop a row, not half of one
                element.whole_row = True
        node = self.generic_visit(node)
        if getattr(node, "whole_row", False):
            return node
        if self._in_scope() and len(node.elts) >= 2 and all(_is_constant_like(e) for e in node.elts):
            for i, element in enumerate(list(node.elts)):
                if self._point(node, f"element dropped: {_show(element)}"):
                    node.elts = node.elts[:i] + node.elts[i + 1 :]
                    return node
        return node

    visit_Set = visit_List = visit_Tuple = _collection

    def visit_Dict(self, node):
        return self.generic_visit(node)


def _tree(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)


def mutants(path: str, functions: list[str] | None) -> list[Point]:
    mutator = Mutator(functions)
    mutator.visit(_tree(path))
    return mutator.points


def mutated_code(path: str, functions: list[str] | None, index: int):
    tree = Mutator(functions, index).visit(_tree(path))
    ast.fix_missing_locations(tree)
    return compile(tree, str(ROOT / path), "exec")
