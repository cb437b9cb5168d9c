#!/usr/bin/env python3
"""Shows that check_files.py fails on the mistakes it exists to catch.

Each test copies the real packaging files into a temporary tree, breaks one
thing, and expects a problem that names the broken file. Run by validate.sh:
    python3 packaging/test_check_files.py
"""

import importlib.util
import shutil
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VERSION = "0.1.0"  # the copies are checked against this, not Cargo.toml

spec = importlib.util.spec_from_file_location("check_files", HERE / "check_files.py")
check_files = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_files)


class CheckFilesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        shutil.copytree(REPO / "packaging", self.tmp / "packaging",
                        ignore=shutil.ignore_patterns("vendor", "cargo-vendor.toml", "__pycache__"))
        shutil.copytree(REPO / "assets/icons", self.tmp / "assets/icons")
        check_files.REPO = self.tmp
        check_files.problems = []
        # The copies carry whatever version Cargo.toml has; pin it for the tests.
        for path in check_files.packaging_files():
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(REAL_VERSION, VERSION), encoding="utf-8")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_all(self):
        check_files.check_versions(VERSION)
        check_files.check_desktop_and_metainfo()
        check_files.check_info_plist(VERSION)
        check_files.check_flatpak()
        check_files.check_icons()
        return check_files.problems

    def edit(self, relative, old, new):
        path = self.tmp / relative
        text = path.read_text(encoding="utf-8")
        self.assertIn(old, text, f"test setup: {old!r} not in {relative}")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def assert_problem(self, file_part, words):
        found = [p for p in self.run_all() if file_part in p and words in p]
        self.assertTrue(found, f"no problem about {file_part} mentioning {words!r}: {check_files.problems}")

    def test_untouched_files_pass(self):
        self.assertEqual(self.run_all(), [])

    def test_version_hard_coded_in_wix_source_is_refused(self):
        self.edit("packaging/windows/main.wxs", 'Version="$(var.Version)"', 'Version="9.9.9"')
        self.assert_problem("main.wxs", "9.9.9")

    def test_metainfo_without_release_for_this_version_is_refused(self):
        self.edit("packaging/linux/org.mobipass.MobiPass.metainfo.xml",
                  f'<release version="{VERSION}"', '<release version="0.0.1"')
        self.assert_problem("metainfo.xml", "add a <release>")

    def test_older_releases_in_metainfo_are_history_not_errors(self):
        self.edit("packaging/linux/org.mobipass.MobiPass.metainfo.xml",
                  f'<release version="{VERSION}"',
                  f'<release version="{VERSION}" date="2026-12-01"/>\n    <release version="0.0.1"')
        self.assertEqual(self.run_all(), [])

    def test_info_plist_with_literal_version_is_refused(self):
        self.edit("packaging/macos/Info.plist.in", "@VERSION@", "2.0.0")
        self.assert_problem("Info.plist.in", "2.0.0")

    def test_desktop_file_with_other_icon_is_refused(self):
        self.edit("packaging/linux/org.mobipass.MobiPass.desktop",
                  "Icon=org.mobipass.MobiPass", "Icon=mobipass")
        self.assert_problem(".desktop", "Icon=")

    def test_flatpak_with_network_is_refused(self):
        self.edit("packaging/flatpak/org.mobipass.MobiPass.json",
                  '"--share=ipc",', '"--share=ipc",\n    "--share=network",')
        self.assert_problem("org.mobipass.MobiPass.json", "offline")

    def test_icon_of_wrong_size_is_refused(self):
        shutil.copy(self.tmp / "assets/icons/hicolor/32x32/apps/org.mobipass.MobiPass.png",
                    self.tmp / "assets/icons/hicolor/48x48/apps/org.mobipass.MobiPass.png")
        self.assert_problem("48x48", "not 48x48")

    def test_window_icon_not_made_from_the_svg_is_refused(self):
        shutil.copy(self.tmp / "assets/icons/hicolor/32x32/apps/org.mobipass.MobiPass.png",
                    self.tmp / "assets/icons/mobipass-64.png")
        self.assert_problem("mobipass-64.png", "generate.sh")

    def test_missing_screenshot_is_refused(self):
        shots = self.tmp / "docs/screenshots"
        shots.mkdir(parents=True)
        (shots / "07-menu.png").write_bytes(b"")
        self.assert_problem("metainfo.xml", "09-response.png")


REAL_VERSION = check_files.cargo_version()

if __name__ == "__main__":
    unittest.main(verbosity=2)
