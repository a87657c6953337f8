"""``python -m gridplanner.ui.i18n``: compile the translations."""

import sys

from gridplanner.ui.i18n.build import main

sys.exit(main())
