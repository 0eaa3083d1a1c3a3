"""Naming rules: PascalCase, snake_case, field names, and names generated code must not shadow."""

from __future__ import annotations

from pathlib import Path

import pytest

from restagen.compiler.pipeline import compile_paths, generate_files
from restagen.compiler.resolve.names import (
    GENERATED_MODULES,
    MAX_NAME,
    check_component_name,
    check_field_name,
    check_handler_name,
    check_pascal,
    check_snake,
    pascal,
    py_field_name,
    python_name,
    snake,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["Order", "LineItem", "V2", "HTTPError"])
def test_pascal_ok(name: str) -> None:
    assert check_pascal(name) is None


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("order_details", "OrderDetails"),
        ("lineItem", "LineItem"),
        ("ORDER_STATE", "OrderState"),
        ("order-placed", "OrderPlaced"),
    ],
)
def test_pascal_suggests_a_fix(name: str, suggestion: str) -> None:
    assert check_pascal(name) == f"'{name}' is not PascalCase (try '{suggestion}')"


def test_pascal_without_a_possible_suggestion() -> None:
    assert check_pascal("9lives") == "'9lives' is not PascalCase"


@pytest.mark.parametrize("name", ["Client", "List", "Any", "BaseModel", "Field", "Enum"])
def test_names_of_generated_code_are_reserved(name: str) -> None:
    assert check_pascal(name) == f"'{name}' would shadow a name the generated code uses"


@pytest.mark.parametrize("name", ["Exception", "ValueError", "True"])
def test_builtins_are_reserved(name: str) -> None:
    problem = check_pascal(name)
    assert problem is not None and "builtin" in problem


@pytest.mark.parametrize("name", ["order", "create_order", "v2", "a1_b2"])
def test_snake_ok(name: str) -> None:
    assert check_snake(name) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("createOrder", "'createOrder' is not snake_case (try 'create_order')"),
        ("OrderService", "'OrderService' is not snake_case (try 'order_service')"),
        ("cart-items", "'cart-items' is not snake_case (try 'cart_items')"),
        ("double__under", "'double__under' is not snake_case (try 'double_under')"),
        ("class", "'class' is a Python keyword"),
        ("import", "'import' is a Python keyword"),
    ],
)
def test_snake_problems(name: str, message: str) -> None:
    assert check_snake(name) == message


@pytest.mark.parametrize("name", ["from", "class", "type", "ID", "camelCase", "fields"])
def test_keyword_and_other_field_names_are_allowed(name: str) -> None:
    assert check_field_name(name) is None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("json", "attribute of pydantic's BaseModel"),
        ("model_dump", "attribute of pydantic's BaseModel"),
        ("model_anything", "attribute of pydantic's BaseModel"),
        ("copy", "attribute of pydantic's BaseModel"),
        ("_private", "private"),
        ("2fast", "not a valid field name"),
        ("line-items", "not a valid field name"),
    ],
)
def test_field_name_problems(name: str, fragment: str) -> None:
    problem = check_field_name(name)
    assert problem is not None and fragment in problem


def test_py_field_name_and_pascal() -> None:
    assert py_field_name("from") == "from_"
    assert py_field_name("class") == "class_"
    assert py_field_name("order_id") == "order_id"
    assert py_field_name("str") == "str_"  # a name the models use in annotations
    assert py_field_name("datetime") == "datetime_"
    assert py_field_name("type") == "type"
    assert pascal("create_order") == "CreateOrder"


@pytest.mark.parametrize("name", ["get\n", "get\r\n", "get\nx"])
def test_a_line_break_is_never_part_of_a_name(name: str) -> None:
    # `$` in a pattern also matches before a final newline; the checks must not.
    assert check_snake(name) is not None
    assert check_pascal(name.capitalize()) is not None
    assert check_field_name(name) is not None


def test_a_name_is_at_most_max_name_characters() -> None:
    # Names become file and folder names, and a file name has at most 255 bytes.
    assert check_snake("x" * MAX_NAME) is None
    assert check_pascal("X" * MAX_NAME) is None
    assert check_field_name("x" * MAX_NAME) is None
    too_long = f"a name of {MAX_NAME + 1} characters is too long (at most {MAX_NAME})"
    assert check_snake("x" * (MAX_NAME + 1)) == too_long
    assert check_pascal("X" * (MAX_NAME + 1)) == too_long
    assert check_field_name("x" * (MAX_NAME + 1)) == too_long


def test_generated_modules_name_every_module_and_folder_of_a_package() -> None:
    result = compile_paths([ROOT / "examples" / "ftgo" / "schemas"])
    assert result.program is not None
    packages = {package.name.replace(".", "/") for package in result.program.packages}
    entries = set()
    for rel in generate_files(result.program):
        folder, _, rest = rel.rpartition("/")
        while folder and folder not in packages:  # the entry of the package's own folder
            folder, _, parent = folder.rpartition("/")
            rest = f"{parent}/{rest}"
        if folder:
            entries.add(rest.split("/")[0].removesuffix(".py"))
    # Every one the example generates is named (middleware.py comes only with middleware; the
    # Markdown files are no modules, and no package name can be theirs).
    assert entries - {"__init__", "sagas.md", "README.md"} == GENERATED_MODULES - {"middleware"}


@pytest.mark.parametrize(
    ("restate", "python"),
    [
        ("getCount", "get_count"),
        ("SubscriptionService", "subscription_service"),
        ("HTTPGateway", "http_gateway"),
        ("orders.v2-beta", "orders_v2_beta"),
        ("_internal", "internal"),
        ("get_count", "get_count"),
        ("v2Api", "v2_api"),
    ],
)
def test_python_names_derive_from_restate_names(restate: str, python: str) -> None:
    assert snake(restate) == python
    assert python_name(restate, None) == python
    assert python_name(restate, "chosen") == "chosen"


@pytest.mark.parametrize(
    "name", ["SubscriptionService", "orders.v2-beta", "_a", "x", "A_b-c.d", "openapiV2", "myrestate"]
)
def test_restate_component_names_accepted(name: str) -> None:
    assert check_component_name(name) is None


@pytest.mark.parametrize(
    "name", ["my service", "2fa", "__x", "-a", ".a", "ordérs", "restate_admin", "RestateX", "OpenAPI"]
)
def test_restate_component_names_refused(name: str) -> None:
    assert check_component_name(name) is not None


@pytest.mark.parametrize("name", ["getCount", "get_count", "_x", "A1"])
def test_restate_handler_names_accepted(name: str) -> None:
    assert check_handler_name(name) is None


@pytest.mark.parametrize("name", ["get-count", "get.count", "__x", "1x", "a b"])
def test_restate_handler_names_refused(name: str) -> None:
    assert check_handler_name(name) is not None
