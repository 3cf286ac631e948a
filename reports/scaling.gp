# SPDX-License-Identifier: GPL-2.0-only
# Scaling curve: median and p99 against a swept parameter. datafile holds one
# block per series (two blank lines apart, first line the name), columns
# x median p99 ci_lo ci_hi. Caller sets n, xlabel, ylabel (human unit),
# logx (geometric sweeps), logy, floorv/floorlbl.
load reportdir."/common.gp"
set xlabel xlabel
set ylabel ylabel
if (logx) { set logscale x }
if (logy) { set logscale y }
set key top left
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05
plot for [i=0:n-1] datafile index i using 1:2 with linespoints ls (i%8)+1 title columnheader(1), \
     for [i=0:n-1] datafile index i using 1:2:4:5 with yerrorbars ls (i%8)+1 pt 0 notitle, \
     for [i=0:n-1] datafile index i using 1:3 with linespoints ls (i%8)+1 dt 2 pt 6 title "  p99", \
     floorline(x) with lines dt 3 lw 1.5 lc rgb "#2ca02c" title floorlbl
