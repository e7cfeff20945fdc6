// Front-end bundle placeholder: the demo marketplace renders on the server.
