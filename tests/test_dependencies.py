"""Dependencies point one way (ARCHITECTURE.md): casework and prediction call audit, and
audit calls nobody; prediction never imports casework. The DPO's pages, which read all
three, live in dpo/, and nothing but the URL conf imports them.

Read from the source with ``ast``, so an import inside a function counts as much as one
at the top of a module; so does naming another app in a string where Django or
importlib turn it into a module or a model (``apps.get_model("casework", ...)``,
``ForeignKey("casework.Citizen")``, ``import_module("casework.models")``)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# app -> the apps it must never import. jobcenter/urls.py names dpo.urls as a string in
# include(), which is not an import: the URL conf is the one way in.
FORBIDDEN = {
    "audit": ("casework", "prediction", "dpo", "cockpit"),
    "prediction": ("casework", "dpo", "cockpit"),
    "casework": ("dpo", "cockpit"),
    "jobcenter": ("dpo", "cockpit"),
    "dpo": ("cockpit",),
}

# Calls whose first argument, a string, names an app or one of its modules or models.
BY_NAME = {
    "import_module",
    "__import__",
    "get_app_config",
    "get_model",
    "ForeignKey",
    "OneToOneField",
    "ManyToManyField",
}


def app_modules(app: str) -> list[Path]:
    """Every .py file of the app except its migrations."""
    return [
        path
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    ]


def _call_name(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    if isinstance(function, ast.Name):
        return function.id
    return ""


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` for every absolute import in the file, and every module, app
    or model named by a string in one of the ``BY_NAME`` calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and _call_name(node) in BY_NAME and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


def forbidden_imports(app: str, forbidden: tuple[str, ...]) -> list[str]:
    """``"path:line imports module"`` for each import of a forbidden app."""
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in app_modules(app)
        for line, module in imported_modules(path)
        if module.split(".")[0] in forbidden
    ]


def test_every_module_of_the_app_is_read_but_not_its_migrations():
    audit = {str(path.relative_to(ROOT)) for path in app_modules("audit")}
    assert {
        "audit/services.py",
        "audit/verification.py",
        "audit/management/commands/verify_audit.py",
    } <= audit
    assert not any("migrations" in path for path in audit)
    assert "audit.actions" in {
        module for _, module in imported_modules(ROOT / "audit" / "models.py")
    }


def test_it_finds_an_import_in_a_function_and_a_model_named_by_a_string(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        "def later():\n"
        "    from casework.models import Citizen\n"
        "citizen = models.ForeignKey('casework.Citizen', on_delete=models.PROTECT)\n",
        encoding="utf-8",
    )
    assert imported_modules(module) == [(2, "casework.models"), (3, "casework.Citizen")]


@pytest.mark.parametrize(("app", "forbidden"), FORBIDDEN.items())
def test_an_app_never_imports_what_depends_on_it(app, forbidden):
    problems = forbidden_imports(app, forbidden)
    assert not problems, f"{app} must not import {', '.join(forbidden)}:\n" + "\n".join(problems)
