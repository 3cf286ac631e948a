# SPDX-License-Identifier: GPL-2.0-only
# Shared look of every kisol chart. Callers set: outfile, fmt ("svg"|"png"),
# width, height, title.
if (fmt eq "png") {
    set terminal pngcairo size width,height noenhanced font "sans,9" background rgb "white"
} else {
    set terminal svg size width,height noenhanced font "sans,10" background rgb "white"
}
set encoding utf8
set output outfile
set title title
set border 3 lc rgb "#555555"
set tics nomirror
set grid ytics lc rgb "#dddddd" lt 1
set key top left Left reverse noautotitle samplen 2 font ",9"
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 0.6
set style line 2 lc rgb "#d62728" lw 2 pt 5 ps 0.6
set style line 3 lc rgb "#2ca02c" lw 2 pt 9 ps 0.6
set style line 4 lc rgb "#9467bd" lw 2 pt 11 ps 0.6
set style line 5 lc rgb "#ff7f0e" lw 2 pt 13 ps 0.6
set style line 6 lc rgb "#8c564b" lw 2 pt 3 ps 0.6
set style line 7 lc rgb "#e377c2" lw 2 pt 1 ps 0.6
set style line 8 lc rgb "#17becf" lw 2 pt 2 ps 0.6
set style increment user
# Plain numbers on the axes (the data arrive in human units: ns, µs, ms, s).
set format y "%g"
set format x "%g"
# floorv > 0: the floor benchmark's median, drawn as a dotted reference line.
if (!exists("floorv")) { floorv = 0 }
if (!exists("floorlbl")) { floorlbl = "" }
floorline(x) = floorv > 0 ? floorv : NaN
