from django.core.management import call_command


def test_it_collects_static_files_with_the_production_storage(settings, tmp_path):
    """Production hashes and compresses every asset; a vendored file that references a
    missing one (a source map) makes collectstatic fail at deploy time."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        },
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/bootstrap/bootstrap.bundle.min.js" in manifest
    assert "hehu/hehu.css" in manifest
