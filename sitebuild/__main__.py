from sitebuild.cli import main
import sys

sys.exit(main())
