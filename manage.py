#!/usr/bin/env python
from onestop.__main__ import main

if __name__ == "__main__":
    main()
