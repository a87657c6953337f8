"""Map layers: an immutable render snapshot of a project, styles and QPainter renderers.

QtGui and QtCore only: no widgets here (those live in ``gridplanner.ui``).
"""
