from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


def test_the_whole_api_has_a_valid_openapi_document_without_warnings():
    # Two serializers of one name in different apps make drf-spectacular warn and pick
    # one of them for both: the document would then describe an endpoint wrongly.
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache)) == ({}, {})
    validate_schema(schema)
    assert "/api/v1/classify" in schema["paths"]
