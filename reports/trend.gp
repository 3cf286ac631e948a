# SPDX-License-Identifier: GPL-2.0-only
# Median of one benchmark across stored runs (oldest left). datafile holds one
# block per series (two blank lines apart, first line the name), columns
# index median p99 label ci_lo ci_hi (the band: CI of each run's median).
# Caller sets n, ylabel (human unit), and steps: "x|text;x|text" of the
# step changes found (kisol.changepoint), drawn as dashed lines.
load reportdir."/common.gp"
set ylabel ylabel
set xtics rotate by -30 left font ",8"
set bmargin 9
set offsets 0.3, 0.3, 0, 0
if (!exists("steps")) { steps = "" }
if (!exists("nsteps")) { nsteps = 0 }
# each step: a dashed line between the last run before and the first after
do for [k=1:nsteps] {
    item = steps
    do for [j=2:k] { item = item[strstrt(item, ";") + 1:] }
    if (strstrt(item, ";") > 0) { item = item[1:strstrt(item, ";") - 1] }
    sx = real(item[1:strstrt(item, "|") - 1])
    set arrow from sx, graph 0 to sx, graph 1 nohead dt 2 lw 1.5 lc rgb "#d62728"
    set label item[strstrt(item, "|") + 1:] at sx, graph 0.97 left offset 0.4, -1.0*(k-1) tc rgb "#d62728" font ",8"
}
plot for [i=0:n-1] datafile index i using 1:5:6 with filledcurves fs transparent solid 0.2 noborder lc rgb "#1f77b4" title (i == 0 ? "95% CI of the run median" : ""), \
     for [i=0:n-1] datafile index i using 1:2:xticlabels(4) with linespoints ls (i%8)+1 title columnheader(1)
