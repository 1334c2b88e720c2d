"""The web editor's config.yml, generated from the settings and data files, and output/admin/."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from core import catalogue
from core.settings import SettingsError
from sitebuild.checks.structure import KNOWN_FIELDS
from sitebuild.cms import admin
from sitebuild.cms import config as cms_config
from sitebuild.config import BuildOptions, read_base
from tests.conftest import FIXTURE_SITE, ROOT


@pytest.fixture(scope="module")
def settings() -> dict:
    return read_base(BuildOptions(settings_file=ROOT / "pelicanconf.py"))


def _data(settings: dict, name: str) -> dict:
    return tomllib.loads((Path(settings["PATH"]) / settings[name]).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def generated(settings) -> dict:
    return cms_config.generate(settings, _data(settings, "REVIEWERS_FILE"),
                               _data(settings, "REFERENCES_FILE"))


def documented_fields() -> set[str]:
    """Every field in CONTENT.md's table of article and page fields."""
    text = (ROOT / "CONTENT.md").read_text(encoding="utf-8")
    table = text.split("## Fields (lowercase)", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE))


def fields_of(collection: dict) -> dict[str, dict]:
    return {field["name"]: field for field in collection["fields"]}


def test_both_languages_side_by_side(generated) -> None:
    assert generated["i18n"] == {"structure": "multiple_files", "locales": ["uk", "en"],
                                 "default_locale": "uk"}
    assert generated["media_folder"] == "content/images"
    assert generated["public_folder"] == "{static}/images"  # as CONTENT.md writes images
    for collection in generated["collections"]:
        if "folder" not in collection:
            continue
        assert collection["i18n"] is True and collection["format"] == cms_config.FORMAT
        # A field without i18n would be written to the Ukrainian file only.
        assert all(field["i18n"] in (True, "duplicate") for field in collection["fields"])


def test_one_collection_per_category_named_from_settings(settings, generated) -> None:
    folders = [c for c in generated["collections"] if c.get("folder", "").startswith(
        "content/articles/")]
    assert [c["name"] for c in folders] == list(settings["CATEGORIES"])
    ptsd = next(c for c in folders if c["name"] == "ptsd")
    assert ptsd["label"] == "ПТСР · PTSD"
    assert ptsd["folder"] == "content/articles/ptsd"
    assert ptsd["slug"] == "{{fields.slug}}" and ptsd["create"] is True
    pages = next(c for c in generated["collections"] if c["name"] == "pages")
    assert pages["folder"] == "content/pages"


def test_every_documented_field_has_its_widget(settings, generated) -> None:
    article = fields_of(next(c for c in generated["collections"] if c["name"] == "ptsd"))
    page = fields_of(next(c for c in generated["collections"] if c["name"] == "pages"))
    assert documented_fields() <= set(article) | set(page)
    assert (set(article) | set(page)) - {"body"} <= KNOWN_FIELDS  # nothing the checks refuse
    assert {"menu", "order"} <= set(page)
    widgets = {name: field["widget"] for name, field in article.items()}
    assert {
        "title": "string", "date": "datetime", "modified": "datetime", "reviewed_on": "datetime",
        "category": "select", "status": "select", "summary": "text", "tags": "list",
        "authors": "list", "reviewed_by": "select", "references": "select", "image": "image",
        "image_alt": "string", "body": "markdown"}.items() <= widgets.items()
    assert article["date"]["format"] == "YYYY-MM-DD" and article["date"]["required"] is True
    assert [o["value"] for o in article["category"]["options"]] == list(settings["CATEGORIES"])
    assert article["category"]["default"] == "ptsd"
    assert article["status"]["options"] == ["draft", "published", "hidden"]
    assert article["status"]["default"] == "draft"
    assert [o["value"] for o in article["reviewed_by"]["options"]] == \
        list(_data(settings, "REVIEWERS_FILE"))
    assert article["references"]["multiple"] is True
    assert [o["value"] for o in article["references"]["options"]] == \
        list(_data(settings, "REFERENCES_FILE"))
    assert "berman2000: Berman RM 2000, Antidepressant effects of ketamine" in \
        article["references"]["options"][0]["label"]
    assert "hint" in article["image_alt"] and "hint" in article["summary"]
    assert re.fullmatch(article["summary"]["pattern"][0], "x" * 300)
    assert not re.fullmatch(article["summary"]["pattern"][0], "x" * 301)
    assert re.fullmatch(article["slug"]["pattern"][0], "nichni-zhakhy")
    assert not re.fullmatch(article["slug"]["pattern"][0], "нічні-жахи")
    assert cms_config.list_fields(generated) == ["authors", "references", "tags"]


def test_the_data_files_are_editable_collections(settings, generated) -> None:
    data = next(c for c in generated["collections"] if c["name"] == "data")
    files = {f["name"]: f for f in data["files"]}
    assert files["reviewers"]["file"] == "content/data/reviewers.toml"
    assert files["references"]["file"] == "content/data/references.toml"
    assert files["reviewers"]["format"] == files["references"]["format"] == "toml"
    assert [f["name"] for f in files["reviewers"]["fields"]] == \
        list(_data(settings, "REVIEWERS_FILE"))
    person = fields_of(files["reviewers"]["fields"][0])
    assert set(person) == {"profile", "uk", "en"}
    assert {f["name"] for f in person["uk"]["fields"]} == {"name", "credentials"}


def test_local_mode_points_at_the_proxy_and_saves_to_the_files(settings) -> None:
    local = {**settings, "CMS": {**settings["CMS"],
                                 "local_proxy": "http://127.0.0.1:8123/api/v1"}}
    generated = cms_config.generate(local, {}, {})
    assert generated["local_backend"]["url"] == "http://127.0.0.1:8123/api/v1"
    assert generated["publish_mode"] == "simple"
    assert "connect-src 'self' blob: https://api.github.com https://cms-auth.expio.example " \
        "http://127.0.0.1:8123;" in admin.policy(local)
    production = cms_config.generate(settings, {}, {})
    assert "local_backend" not in production
    assert production["publish_mode"] == "editorial_workflow"


@pytest.mark.parametrize(("backend", "origins"), [
    ({"name": "github", "repo": "a/b", "base_url": "https://auth.example"},
     "https://api.github.com https://auth.example"),
    ({"name": "gitlab", "repo": "a/b", "auth_type": "pkce", "app_id": "x"}, "https://gitlab.com"),
    ({"name": "gitea", "repo": "a/b", "api_root": "https://git.example/api/v1",
      "base_url": "https://git.example"}, "https://git.example"),
])
def test_the_policy_allows_only_the_backend_it_uses(settings, backend, origins) -> None:
    policy = admin.policy({**settings, "CMS": {"backend": backend}})
    assert f"connect-src 'self' blob: {origins};" in policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "https://" not in policy.replace(origins, "")  # no CDN anywhere


@pytest.mark.parametrize(("cms", "message"), [
    ({"backnd": {}}, "CMS has unknown key(s) 'backnd' (did you mean 'backend'?); known keys: "
                     "backend, publish_mode"),
    ({"backend": {"name": "git-gateway"}}, "CMS['backend']['name'] must be one of 'github', "
                                           "'gitlab', 'gitea', 'forgejo', 'test-repo', got "
                                           "'git-gateway'"),
    ({"backend": {"repo": "a/b"}}, "CMS['backend']['name'] must be one of 'github'"),
    ({"publish_mode": "review"}, "CMS['publish_mode'] must be 'simple' or 'editorial_workflow'"),
])
def test_wrong_settings_are_refused_by_name(settings, cms, message) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        cms_config.load({**settings, "CMS": cms})


def test_the_build_writes_admin_and_leaves_public_pages_alone(build_site, settings) -> None:
    output = build_site().output
    admin_dir = output / "admin"
    written = yaml.safe_load((admin_dir / "config.yml").read_text(encoding="utf-8"))
    assert (admin_dir / "config.yml").read_text(encoding="utf-8").startswith("# Generated")
    fixture = read_base(BuildOptions(settings_file=ROOT / "pelicanconf.py",
                                     content=FIXTURE_SITE))
    reviewers = tomllib.loads((FIXTURE_SITE / "data/reviewers.toml").read_text("utf-8"))
    references = tomllib.loads((FIXTURE_SITE / "data/references.toml").read_text("utf-8"))
    assert written == cms_config.generate(fixture, reviewers, references)
    assert (admin_dir / "vendor/decap/decap-cms.js").is_file()  # from the pinned package
    assert not (admin_dir / admin.FINDINGS).exists()  # `make cms` only
    page = (admin_dir / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'src="([^"]+)"', page) == [
        "manual-init.js", "vendor/decap/decap-cms.js", "admin.js"]
    assert "noindex" in page
    # The public pages keep their policy and never load anything of the editor.
    headers = (output / "_headers").read_text(encoding="utf-8")
    public, _, editor = headers.partition("/admin/*")
    assert f"Content-Security-Policy: {settings['CONTENT_SECURITY_POLICY']}" in public
    assert f"Content-Security-Policy: {admin.policy(fixture)}" in editor
    for path in output.rglob("*.html"):
        if "admin" not in path.relative_to(output).parts:
            assert "/admin/" not in path.read_text(encoding="utf-8"), path


def test_a_rebuild_links_the_unchanged_editor_files(build_site) -> None:
    def files(output: Path) -> dict[str, int]:
        return {p.relative_to(output / "admin").as_posix(): p.stat().st_ino
                for p in (output / "admin").rglob("*") if p.is_file()}

    first = files(build_site().output)
    assert "vendor/decap/decap-cms.js" in first
    assert files(build_site().output) == first  # the same files, not copies


def test_without_the_npm_packages_only_the_config_is_written(tmp_path, settings) -> None:
    site = catalogue.build(read_base(BuildOptions(settings_file=ROOT / "pelicanconf.py",
                                                  content=FIXTURE_SITE)))
    admin.write(tmp_path, settings, site, node_modules=tmp_path / "no-node-modules")
    assert sorted(p.name for p in (tmp_path / "admin").iterdir()) == ["config.yml"]



def test_a_config_dumped_again_is_the_text_of_that_config(generated) -> None:
    """The devserver dumps the same config on every rebuild and the text is kept; a config
    that changed in any value, even one equal to the first (True == 1), is dumped anew, and
    dumping the first one again gives its own text, never the last one's."""
    first = cms_config.dump(generated)
    assert "clean_accents: true" in first
    assert cms_config.dump(dict(generated)) == first
    changed = {**generated, "slug": {**generated["slug"], "encoding": "unicode"}}
    assert "encoding: unicode" in cms_config.dump(changed)
    retyped = {**generated, "slug": {**generated["slug"], "clean_accents": 1}}
    assert retyped == generated
    assert "clean_accents: 1" in cms_config.dump(retyped)
    assert cms_config.dump(generated) == first
