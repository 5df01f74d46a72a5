from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

REGISTRY_ROUTES = [path("api/v1/", include(("hehu.registry.api_urls", "api")))]


def registry_schema():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=REGISTRY_ROUTES).get_schema(request=None, public=True)
    warnings = dict(GENERATOR_STATS._warn_cache)
    errors = dict(GENERATOR_STATS._error_cache)
    return schema, warnings, errors


def test_the_registry_endpoints_produce_a_valid_openapi_document_without_warnings():
    schema, warnings, errors = registry_schema()
    assert (warnings, errors) == ({}, {})
    validate_schema(schema)


def test_the_openapi_document_describes_every_registry_operation_and_its_refusals():
    schema, _, _ = registry_schema()
    operations = {
        (route, method): op
        for route, item in schema["paths"].items()
        for method, op in item.items()
    }
    assert set(operations) == {
        ("/api/v1/children/", "get"),
        ("/api/v1/children/", "post"),
        ("/api/v1/children/{child_id}/", "get"),
        ("/api/v1/children/{child_id}/", "put"),
        ("/api/v1/children/{child_id}/", "patch"),
        ("/api/v1/children/{child_id}/merge/", "post"),
        ("/api/v1/children/{child_id}/reveal-id/", "post"),
        ("/api/v1/children/{child_id}/history/", "get"),
        ("/api/v1/children/{child_id}/attachments/", "get"),
        ("/api/v1/children/{child_id}/attachments/", "post"),
        ("/api/v1/children/{child_id}/facts/", "get"),
        ("/api/v1/facts/import/", "post"),
        ("/api/v1/facts/schema/", "get"),
    }
    register = operations[("/api/v1/children/", "post")]
    assert {"201", "400", "403", "409"} <= set(register["responses"])
    listing = operations[("/api/v1/children/", "get")]
    assert {p["name"] for p in listing["parameters"]} >= {
        "q",
        "region",
        "age_min",
        "age_max",
        "living_arrangement",
        "disability",
        "page",
    }
    update = operations[("/api/v1/children/{child_id}/", "put")]
    body = update["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert "version" in component["required"]
