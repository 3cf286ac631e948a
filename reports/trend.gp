# SPDX-License-Identifier: GPL-2.0-only
# Median of one benchmark across stored runs (oldest left). datafile holds one
# block per series (two blank lines apart, first line the name), columns
# index median p99 label. Caller sets n, ylabel.
load reportdir."/common.gp"
set ylabel ylabel
set xtics rotate by -30 left font ",8"
set bmargin 9
set offsets 0.3, 0.3, 0, 0
plot for [i=0:n-1] datafile index i using 1:2:xticlabels(4) with linespoints ls (i%8)+1 title columnheader(1)
