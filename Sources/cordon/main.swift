print("cordon: under construction")
