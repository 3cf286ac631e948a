# SPDX-License-Identifier: GPL-2.0-only
# Latency distribution per benchmark variant as box plots.
# datafile columns: index label p1 q1 median q3 p99 ci_lo ci_hi (whiskers
# p1..p99, box q1..q3, bar at the median, error bar the 95% CI of the
# median). Caller sets ylabel (human unit), n (boxes), logy, and floorv/
# floorlbl for the floor reference line.
load reportdir."/common.gp"
set ylabel ylabel
set xrange [-0.6:n-0.4]
set xtics rotate by -30 left font ",8"
set boxwidth 0.5
set style fill solid 0.35 border lc rgb "#1f77b4"
if (logy) { set logscale y }
set bmargin 9
plot datafile using 1:4:3:7:6:xticlabels(2) with candlesticks whiskerbars 0.5 lc rgb "#1f77b4" lw 1.5 title "p1..p99, box q1..q3", \
     datafile using 1:5:5:5:5 with candlesticks lc rgb "#d62728" lw 2 title "median", \
     datafile using 1:5:8:9 with yerrorbars pt 0 lc rgb "#000000" lw 1 title "95% CI of the median", \
     floorline(x) with lines dt 3 lw 1.5 lc rgb "#2ca02c" title floorlbl
