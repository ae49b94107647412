"""Tests of the example backend, run with coverage before every deployment (deploy.yml's gate):
python3 -m coverage run -m unittest discover -s tests && python3 -m coverage xml"""

import contextlib
import io
import unittest

from app.main import health, main, version


class AppTest(unittest.TestCase):
    def test_health_reports_ok_and_the_version(self) -> None:
        self.assertEqual(
            health(), {"status": "ok", "version": "1.0.0", "checks": {"app": {"ok": True}}}
        )
        self.assertEqual(version(), {"version": "1.0.0"})

    def test_version_flag_prints_and_exits_0(self) -> None:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(main(["--version"]), 0)
        self.assertEqual(out.getvalue(), "backend 1.0.0\n")


if __name__ == "__main__":
    unittest.main()
