"""Pure domain rules: time ranges, availability, slots, bookings. Stdlib only, no I/O."""
