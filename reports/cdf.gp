# SPDX-License-Identifier: GPL-2.0-only
# Empirical CDFs of the raw samples. datafile holds one block per series
# (separated by two blank lines, first line the series name), columns
# value fraction. Caller sets n (series), xlabel, logx.
load reportdir."/common.gp"
set xlabel xlabel
set ylabel "fraction of samples"
set yrange [0:1]
set key bottom right noreverse Right
if (logx) { set logscale x }
plot for [i=0:n-1] datafile index i using 1:2 with steps lw 2 title columnheader(1)
